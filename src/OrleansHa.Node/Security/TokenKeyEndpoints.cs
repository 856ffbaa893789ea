using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Security;
using OrleansHa.Node.Http;
using OrleansHa.ZooKeeper;

namespace OrleansHa.Node.Security;

/// <summary>
/// <c>POST /api/v3/auth/token-key/rotate</c>, for admins: a new key signs every token from now on, and tokens signed
/// by the previous keys stay valid until they expire; <c>{"keepPrevious": false}</c> ends them all at once instead (for
/// a key that may have leaked). Every coordinator takes the new key from its watch, or at once when it meets a
/// token signed with it.
/// </summary>
internal static class TokenKeyEndpoints
{
    public static void MapTokenKeyEndpoints(this WebApplication app) =>
        app.MapPost("/api/v3/auth/token-key/rotate", async (RotateRequest? request, HttpContext context, MasterClient master, TokenKeys keys, CancellationToken ct) =>
        {
            try
            {
                string user = context.User();
                if (await master.ReadAsync(m => m.GetUserAsync(user), ct) is not { IsAdmin: true })
                {
                    throw PermissionDeniedException.NeedsAdmin("Rotating the token signing key", user);
                }

                TokenKeyRing ring = await keys.RotateAsync(request?.KeepPrevious ?? true, ct);
                return Results.Json(new { keyId = ring.Current.Id, retiredKeys = ring.Keys.Skip(1).Select(k => new { keyId = k.Id, retired = k.Retired }) });
            }
            catch (PermissionDeniedException ex)
            {
                return Results.Json(new { errorMessage = ex.Message }, statusCode: StatusCodes.Status403Forbidden);
            }
            catch (NoActiveMasterException ex)
            {
                return Results.Json(new { errorMessage = ex.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            catch (ZooKeeperException ex)
            {
                return Results.Json(new { errorMessage = $"Cannot rotate the key: ZooKeeper is unreachable ({ex.Message}); nothing changed." }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });

    private sealed record RotateRequest(bool? KeepPrevious);
}
