using Grpc.Core;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Query;
using OrleansHa.Abstractions.Security;
using OrleansHa.Coordination;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Flight;

/// <summary>
/// The gRPC status a Flight client gets for each of the cluster's typed errors, with the error's own message: bad SQL is
/// InvalidArgument with DuckDB's words, a lost node or a master failover is Unavailable (read the ticket again,
/// from any location), a refused login Unauthenticated.
/// </summary>
internal static class FlightErrors
{
    /// <summary>The status for <paramref name="ex"/>, or null for an exception that is not one of the cluster's (a bug: gRPC reports it as Unknown).</summary>
    public static RpcException? ToRpc(Exception ex) => ex switch
    {
        RpcException rpc => rpc,
        QueryFailedException failed => Status(KindCode(failed.Kind), failed.Message),
        PermissionDeniedException denied => Status(StatusCode.PermissionDenied, denied.Message),
        AuthenticationFailedException refused => Status(StatusCode.Unauthenticated, refused.Message),
        LoginThrottledException throttled => Status(
            StatusCode.ResourceExhausted,
            $"Too many failed logins: try again in {LoginThrottledException.WholeSeconds(throttled.RetryAfter)} s."),
        NoExecutorException or NoActiveMasterException => Status(StatusCode.Unavailable, ex.Message),
        ZooKeeperException => Status(StatusCode.Unavailable, $"ZooKeeper is unreachable ({ex.Message}); try again shortly."),
        _ when MasterCalls.IsNodeLost(ex) => Status(
            StatusCode.Unavailable,
            $"A node the call needed was lost ({ex.Message}); read the ticket again, from this or another location."),
        ArgumentException => Status(StatusCode.InvalidArgument, ex.Message),
        _ => null,
    };

    public static RpcException Status(StatusCode code, string message) => new(new Status(code, message));

    /// <summary>Runs <paramref name="call"/>, turning the cluster's exceptions into their gRPC status.</summary>
    public static async Task<T> GuardAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is not RpcException && ToRpc(ex) is { } rpc)
        {
            throw rpc;
        }
    }

    /// <inheritdoc cref="GuardAsync{T}(Func{Task{T}})"/>
    public static Task GuardAsync(Func<Task> call) => GuardAsync(async () =>
    {
        await call();
        return true;
    });

    private static StatusCode KindCode(QueryFailureKind kind) => kind switch
    {
        QueryFailureKind.Sql => StatusCode.InvalidArgument,
        QueryFailureKind.Permission => StatusCode.PermissionDenied,
        QueryFailureKind.Timeout => StatusCode.DeadlineExceeded,
        QueryFailureKind.MemoryLimit => StatusCode.ResourceExhausted,
        QueryFailureKind.Canceled => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };
}
