using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OrleansHa.Node.Configuration;
using OrleansHa.ZooKeeper;
using OrleansHa.ZooKeeper.Recipes;

namespace OrleansHa.Node.Security;

/// <summary>
/// Issues and checks login tokens. A token names its user and expiry and is signed (HMAC-SHA256) with a key the whole
/// cluster shares in ZooKeeper, so every coordinator accepts every token without asking the master: logins survive a
/// master failover, and checking one costs a hash, not a call.
/// </summary>
/// <remarks>
/// The key is made once, by whichever coordinator first needs it, at <c>/orleans-ha/&lt;cluster&gt;/auth/token-key</c>.
/// Anyone who can read the cluster's ZooKeeper can mint tokens; the ensemble must be as private as <c>paths.db</c>.
/// Format: <c>v1.&lt;user, base64url&gt;.&lt;expiry, unix seconds&gt;.&lt;signature, base64url&gt;</c>.
/// </remarks>
internal sealed class TokenService(SharedZooKeeperClient zooKeeper, NodeConfiguration config, TimeProvider time) : IDisposable
{
    private const string Version = "v1";

    /// <summary>A user name reserved for the cluster's own nodes: no user may take it.</summary>
    public const string NodePrincipal = "orleans-ha-node";

    private readonly SemaphoreSlim _keyGate = new(1, 1);
    private byte[]? _key;

    private string KeyPath => config.Znodes.TokenKey;

    /// <summary>A token for <paramref name="user"/>, valid for <see cref="NodeConfiguration.TokenLifetime"/>.</summary>
    public async Task<IssuedToken> IssueAsync(string user, CancellationToken cancellationToken)
    {
        byte[] key = await KeyAsync(cancellationToken);
        DateTimeOffset expires = time.GetUtcNow() + config.TokenLifetime;
        string payload = string.Create(
            CultureInfo.InvariantCulture, $"{Version}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(user))}.{expires.ToUnixTimeSeconds()}");
        return new IssuedToken($"{payload}.{Sign(key, payload)}", user, expires);
    }

    /// <summary>The user the token was issued to, or null with the reason it is not valid (malformed, forged, expired).</summary>
    public async Task<(string? User, string? Problem)> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        string[] parts = token.Split('.');
        if (parts.Length != 4 || parts[0] != Version
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long expiresAt)
            || expiresAt > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || !Base64Url.IsValid(parts[1]) || !Base64Url.IsValid(parts[3]))
        {
            return (null, "the token is malformed");
        }

        byte[] key = await KeyAsync(cancellationToken);
        byte[] expected = Base64Url.DecodeFromChars(Sign(key, string.Join('.', parts[..3])));
        if (!CryptographicOperations.FixedTimeEquals(expected, Base64Url.DecodeFromChars(parts[3])))
        {
            return (null, "the token was not issued by this cluster");
        }

        if (DateTimeOffset.FromUnixTimeSeconds(expiresAt) <= time.GetUtcNow())
        {
            return (null, "the token has expired; log in again");
        }

        return (Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])), null);
    }

    public void Dispose() => _keyGate.Dispose();

    private static string Sign(byte[] key, string payload) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload)));

    /// <summary>The cluster's signing key: read from ZooKeeper, or made there by the first coordinator that needs it.</summary>
    private async Task<byte[]> KeyAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _key) is { } known)
        {
            return known;
        }

        await _keyGate.WaitAsync(cancellationToken);
        try
        {
            if (_key is null)
            {
                ZooKeeperClient zk = await zooKeeper.GetAsync(cancellationToken);
                await zk.EnsurePathAsync(KeyPath[..KeyPath.LastIndexOf('/')], cancellationToken);

                // Whoever creates it first wins; everyone then reads the winner's key.
                await zk.CreateIfMissingAsync(KeyPath, RandomNumberGenerator.GetBytes(32), cancellationToken);
                NodeData stored = await zk.GetDataAsync(KeyPath, cancellationToken: cancellationToken);
                if (stored.Data.Length < 32)
                {
                    throw new InvalidOperationException($"The token key at {KeyPath} holds {stored.Data.Length} bytes; at least 32 are needed.");
                }

                Volatile.Write(ref _key, stored.Data);
            }

            return _key!;
        }
        finally
        {
            _keyGate.Release();
        }
    }
}

/// <summary>A token, whom it is for, and when it expires.</summary>
internal sealed record IssuedToken(string Token, string User, DateTimeOffset Expires);
