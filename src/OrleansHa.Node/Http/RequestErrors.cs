using Microsoft.AspNetCore.WebUtilities;

namespace OrleansHa.Node.Http;

/// <summary>
/// A request body the endpoint cannot read (not JSON, JSON of the wrong shape, the wrong content type, too deep)
/// answers with its status (400, 415, ...) and a message saying what was wrong and where, like every other refusal
/// of the API, instead of an empty 400.
/// </summary>
internal static class RequestErrors
{
    /// <summary>Makes minimal APIs throw on a body they cannot bind, for <see cref="UseRequestErrors"/> to answer.</summary>
    public static void AddRequestErrors(this IServiceCollection services) =>
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

    public static void UseRequestErrors(this WebApplication app)
    {
        // A refusal ASP.NET Core writes itself, without a body (415 for a body that is not JSON, 405, 404 of a route
        // that does not exist): the same shape, saying which.
        app.UseStatusCodePages(async pages =>
        {
            HttpResponse response = pages.HttpContext.Response;
            string message = response.StatusCode == StatusCodes.Status415UnsupportedMediaType
                ? "The request body must be JSON, sent with \"Content-Type: application/json\"."
                : $"The request was refused with {response.StatusCode} ({ReasonPhrases.GetReasonPhrase(response.StatusCode)}): {pages.HttpContext.Request.Method} {pages.HttpContext.Request.Path}.";
            await TypedResults.Json(new { errorMessage = message }, statusCode: response.StatusCode).ExecuteAsync(pages.HttpContext);
        });
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                string detail = ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message;
                await TypedResults.Json(new { errorMessage = $"The request is not valid: {detail}" }, statusCode: ex.StatusCode).ExecuteAsync(context);
            }
        });
    }
}
