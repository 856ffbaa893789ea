using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Security;

/// <summary>
/// Issues, checks and revokes login tokens. A token names its user, its own id, when it was issued and when it
/// expires, and is signed (HMAC-SHA256) with a key the whole cluster shares in ZooKeeper (<see cref="TokenKeys"/>), so
/// every coordinator accepts every token without asking the master: logins survive a master failover, and checking
/// one costs a hash, not a call. A token logged out, or of a user dropped or given a new password, is refused on every
/// coordinator (<see cref="TokenRevocations"/>).
/// </summary>
/// <remarks>
/// Format: <c>v2.&lt;key id&gt;.&lt;token id&gt;.&lt;user, base64url&gt;.&lt;issued, unix ms&gt;.&lt;expires, unix s&gt;.&lt;signature, base64url&gt;</c>.
/// Anyone who can read the cluster's ZooKeeper can mint tokens; the ensemble must be as private as <c>paths.db</c>.
/// </remarks>
internal sealed class TokenService(TokenKeys keys, TokenRevocations revocations, NodeConfiguration config, TimeProvider time)
{
    private const string Version = "v2";
    private const int TokenIdBytes = 16;

    /// <summary>A user name reserved for the cluster's own nodes: no user may take it.</summary>
    public const string NodePrincipal = "orleans-ha-node";

    /// <summary>A token for <paramref name="user"/>, signed with the current key, valid for <see cref="NodeConfiguration.TokenLifetime"/>.</summary>
    /// <exception cref="OrleansHa.ZooKeeper.ZooKeeperException">ZooKeeper could not be reached to read the key.</exception>
    public async Task<IssuedToken> IssueAsync(string user, CancellationToken cancellationToken)
    {
        TokenKey key = (await keys.GetAsync(cancellationToken)).Current;
        DateTimeOffset now = time.GetUtcNow();
        var token = new ValidToken(user, Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenIdBytes)), now, now + config.TokenLifetime);
        string payload = string.Create(
            CultureInfo.InvariantCulture,
            $"{Version}.{key.Id}.{token.Id}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(user))}.{now.ToUnixTimeMilliseconds()}.{token.Expires.ToUnixTimeSeconds()}");
        return new IssuedToken($"{payload}.{Sign(key.Key, payload)}", token);
    }

    /// <summary>The token's user and id, or null with the reason it is not valid (malformed, forged, expired, revoked).</summary>
    /// <exception cref="OrleansHa.ZooKeeper.ZooKeeperException">ZooKeeper could not be reached for this node's first check.</exception>
    public async Task<(ValidToken? Token, string? Problem)> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        string[] parts = token.Split('.');
        if (parts is not [Version, var keyId, var id, var user, var issued, var expires, var signature]
            || !int.TryParse(keyId, NumberStyles.None, CultureInfo.InvariantCulture, out int kid)
            || id.Length is 0 or > 64 || !Base64Url.IsValid(id)
            || !Base64Url.IsValid(user) || !Base64Url.IsValid(signature)
            || !TryReadTime(issued, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds(), DateTimeOffset.FromUnixTimeMilliseconds, out DateTimeOffset issuedAt)
            || !TryReadTime(expires, DateTimeOffset.MaxValue.ToUnixTimeSeconds(), DateTimeOffset.FromUnixTimeSeconds, out DateTimeOffset expiresAt))
        {
            return (null, "the token is malformed");
        }

        TokenKey? key = await keys.FindAsync(kid, cancellationToken);
        if (key is null
            || !CryptographicOperations.FixedTimeEquals(Base64Url.DecodeFromChars(Sign(key.Key, string.Join('.', parts[..6]))), Base64Url.DecodeFromChars(signature))
            || expiresAt > key.LatestExpiry(config.TokenLifetime))
        {
            return (null, "the token was not issued by this cluster");
        }

        if (expiresAt <= time.GetUtcNow())
        {
            return (null, "the token has expired; log in again");
        }

        var valid = new ValidToken(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(user)), id, issuedAt, expiresAt);
        return await revocations.IsRevokedAsync(valid.Id, valid.User, valid.IssuedAt, cancellationToken)
            ? (null, "the token has been revoked (logged out, or its user dropped or given a new password); log in again")
            : (valid, null);
    }

    /// <summary>Logs <paramref name="token"/> out on every coordinator.</summary>
    public Task RevokeAsync(ValidToken token, CancellationToken cancellationToken) =>
        revocations.RevokeAsync(Revocation.OfToken(token.Id, token.Expires), cancellationToken);

    /// <summary>Ends every token of <paramref name="user"/> issued so far, on every coordinator.</summary>
    public Task RevokeUserAsync(string user, CancellationToken cancellationToken) =>
        revocations.RevokeAsync(Revocation.OfUser(user, time.GetUtcNow(), config.TokenLifetime), cancellationToken);

    private static string Sign(byte[] key, string payload) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload)));

    private static bool TryReadTime(string text, long max, Func<long, DateTimeOffset> read, out DateTimeOffset time)
    {
        bool ok = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value <= max;
        time = ok ? read(value) : default;
        return ok;
    }
}

/// <summary>A token that checked out: whom it is for, its id, when it was issued and when it expires.</summary>
internal sealed record ValidToken(string User, string Id, DateTimeOffset IssuedAt, DateTimeOffset Expires);

/// <summary>A token as issued, and what it says.</summary>
internal sealed record IssuedToken(string Token, ValidToken Claims)
{
    public string User => Claims.User;

    public DateTimeOffset Expires => Claims.Expires;
}
