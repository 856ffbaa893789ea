using Microsoft.AspNetCore.Identity;
using OrleansHa.Abstractions;
using OrleansHa.Abstractions.Security;
using OrleansHa.Node.Configuration;
using OrleansHa.Node.Http;

namespace OrleansHa.Node.Security;

/// <summary>
/// Checks user names and passwords on the coordinator that took them: the master keeps only salted PBKDF2 hashes
/// (ASP.NET Core's password hasher) and never spends its time hashing. The configured first user is created, as an
/// admin, on its first login if there is no user yet. Every door (REST, the dashboard, grain clients) logs in here,
/// so the <see cref="LoginThrottle"/> counts every failure.
/// </summary>
internal sealed class Authenticator(MasterClient master, TokenService tokens, LoginThrottle throttle, NodeConfiguration config)
{
    private static readonly PasswordHasher<string> Hasher = new();

    /// <summary>A hash that no password matches, checked for unknown users so that timing does not reveal which names exist.</summary>
    private static readonly string Decoy = Hasher.HashPassword(string.Empty, Guid.NewGuid().ToString("N"));

    public static string Hash(string user, string password) => Hasher.HashPassword(user, password);

    /// <param name="user">The user name.</param>
    /// <param name="password">The password.</param>
    /// <param name="address">Where the login came from, when known (a grain client's is not).</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <exception cref="AuthenticationFailedException">Unknown user or wrong password (the same message for both).</exception>
    /// <exception cref="LoginThrottledException">Too many failures for this user or address: try again later.</exception>
    /// <exception cref="NoActiveMasterException">No master answered, so the user could not be looked up.</exception>
    public async Task<IssuedToken> LoginAsync(string? user, string? password, string? address, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
        {
            throw new AuthenticationFailedException("A user name and a password are required.");
        }

        if (throttle.RetryAfter(user, address) is { } wait)
        {
            throw new LoginThrottledException(wait);
        }

        string? hash;
        try
        {
            hash = await master.ReadAsync(m => m.GetPasswordHashAsync(user), cancellationToken);

            // The configured first user, an admin, is made only while there is no user at all: dropping it later sticks.
            if (hash is null && user == config.AdminUser && config.AdminPassword is { Length: > 0 } adminPassword
                && (await master.ReadAsync(m => m.ListUsersAsync(), cancellationToken)).Count == 0)
            {
                await master.WriteAsync(m => m.CreateUserAsync(user, Hash(user, adminPassword), admin: true), cancellationToken);
                hash = await master.ReadAsync(m => m.GetPasswordHashAsync(user), cancellationToken);
            }
        }
        catch (CatalogException ex) when (ex.Error == CatalogError.Invalid)
        {
            // A name the user table could never hold (too long, control characters): no such user.
            hash = null;
        }

        if (Hasher.VerifyHashedPassword(user, hash ?? Decoy, password) == PasswordVerificationResult.Failed || hash is null)
        {
            throttle.RecordFailure(user, address);
            throw new AuthenticationFailedException("Wrong user name or password.");
        }

        throttle.RecordSuccess(user);
        return await tokens.IssueAsync(user, cancellationToken);
    }
}
