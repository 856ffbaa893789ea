using OrleansHa.Abstractions.Query;
using OrleansHa.Engine;

namespace OrleansHa.Grains.Query;

/// <summary>The engine's errors as the <see cref="QueryFailedException"/>s that cross the wire to callers.</summary>
internal static class EngineCalls
{
    /// <summary>The enumerator's next item, an engine failure rethrown as a <see cref="QueryFailedException"/>.</summary>
    public static async ValueTask<bool> MoveNextAsync<T>(IAsyncEnumerator<T> items)
    {
        try
        {
            return await items.MoveNextAsync();
        }
        catch (EngineException ex)
        {
            throw ToQueryFailed(ex);
        }
    }

    public static QueryFailedException ToQueryFailed(EngineException failure) => new(
        failure.Kind switch
        {
            EngineFailureKind.Permission => QueryFailureKind.Permission,
            EngineFailureKind.Timeout => QueryFailureKind.Timeout,
            EngineFailureKind.MemoryLimit => QueryFailureKind.MemoryLimit,
            EngineFailureKind.Canceled => QueryFailureKind.Canceled,
            _ => QueryFailureKind.Sql,
        },
        failure.Message);
}
