using System.Globalization;

namespace OrleansHa.Node.Http;

/// <summary>The REST API's error answers: a status and <c>{"errorMessage": ...}</c> that says what was wrong.</summary>
internal static class HttpProblems
{
    /// <summary>What a client should wait before retrying a call refused because no master is active.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    public static IResult Problem(int status, string message) => Results.Json(new { errorMessage = message }, statusCode: status);

    /// <summary>503 with <c>Retry-After</c>: no master is active now (a failover is under way), so the call was not applied.</summary>
    public static IResult NoMaster(string message) => new WithRetryAfter(Problem(StatusCodes.Status503ServiceUnavailable, message), RetryAfter);

    private sealed class WithRetryAfter(IResult inner, TimeSpan after) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
