using System.Security.Cryptography;
using System.Text.Json;

namespace OrleansHa.Node.Security;

/// <summary>One signing key: its id (named in every token it signs), the key, when it was made and when it was retired.</summary>
internal sealed record TokenKey(int Id, byte[] Key, DateTimeOffset Created, DateTimeOffset? Retired)
{
    /// <summary>
    /// The latest expiry a genuine token signed with this key can have: a retired key signed nothing after it was
    /// retired, so a token of it claiming to live longer than one lifetime past that was not issued by the cluster.
    /// </summary>
    public DateTimeOffset LatestExpiry(TimeSpan lifetime) => Retired is { } retired ? retired + lifetime : DateTimeOffset.MaxValue;
}

/// <summary>
/// The cluster's signing keys as they are kept in ZooKeeper (<see cref="OrleansHa.Clustering.ZooKeeper.ClusterZnodes.TokenKey"/>): exactly one current key
/// signs new tokens; retired keys still check the tokens they signed until those have expired. Rotating makes a new
/// current key without a moment in which a token that was valid is refused.
/// </summary>
/// <remarks>
/// Stored as JSON (<c>{"keys":[{"id","key","created","retired"}]}</c>, newest first). A znode written before keys
/// rotated holds the bare 32-byte key: it reads as key 0, current.
/// </remarks>
internal sealed class TokenKeyRing
{
    private const int KeyBytes = 32;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private TokenKeyRing(IReadOnlyList<TokenKey> keys) => Keys = keys;

    /// <summary>Newest first; the first is the current one.</summary>
    public IReadOnlyList<TokenKey> Keys { get; }

    public TokenKey Current => Keys[0];

    /// <summary>A ring of one fresh key, for a cluster that has none yet.</summary>
    public static TokenKeyRing New(DateTimeOffset now) => new([new TokenKey(1, RandomNumberGenerator.GetBytes(KeyBytes), now, null)]);

    public TokenKey? Find(int id) => Keys.FirstOrDefault(k => k.Id == id);

    /// <summary>
    /// A new current key; the old current one is retired now. Keys retired longer than <paramref name="lifetime"/> ago
    /// are dropped (every token they signed has expired); with <paramref name="keepPrevious"/> false every older key is
    /// dropped at once, which ends every token issued so far (for a key that may have leaked).
    /// </summary>
    public TokenKeyRing Rotate(DateTimeOffset now, TimeSpan lifetime, bool keepPrevious)
    {
        var next = new TokenKey(Keys.Max(k => k.Id) + 1, RandomNumberGenerator.GetBytes(KeyBytes), now, null);
        IEnumerable<TokenKey> kept = keepPrevious
            ? Keys.Select(k => k.Retired is null ? k with { Retired = now } : k).Where(k => k.Retired!.Value + lifetime > now)
            : [];
        return new TokenKeyRing([next, .. kept]);
    }

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(
        new Stored([.. Keys.Select(k => new StoredKey(k.Id, Convert.ToBase64String(k.Key), k.Created.ToUnixTimeSeconds(), k.Retired?.ToUnixTimeSeconds()))]),
        Json);

    /// <exception cref="FormatException"><paramref name="data"/> holds no usable ring; the message names <paramref name="path"/>.</exception>
    public static TokenKeyRing Read(byte[] data, string path)
    {
        if (data.Length == KeyBytes)
        {
            return new TokenKeyRing([new TokenKey(0, data, DateTimeOffset.UnixEpoch, null)]);
        }

        List<TokenKey> keys = [];
        try
        {
            foreach (StoredKey key in JsonSerializer.Deserialize<Stored>(data, Json)?.Keys ?? [])
            {
                byte[] bytes = Convert.FromBase64String(key.Key ?? string.Empty);
                if (bytes.Length < KeyBytes)
                {
                    throw new FormatException($"key {key.Id} has {bytes.Length} bytes; at least {KeyBytes} are needed");
                }

                keys.Add(new TokenKey(
                    key.Id,
                    bytes,
                    DateTimeOffset.FromUnixTimeSeconds(key.Created),
                    key.Retired is { } retired ? DateTimeOffset.FromUnixTimeSeconds(retired) : null));
            }
        }
        catch (Exception ex) when (ex is JsonException or ArgumentOutOfRangeException or FormatException)
        {
            throw new FormatException($"{path} does not hold the cluster's token keys: {ex.Message}", ex);
        }

        if (keys.Count == 0 || keys[0].Retired is not null || keys.Skip(1).Any(k => k.Retired is null) || keys.DistinctBy(k => k.Id).Count() != keys.Count)
        {
            throw new FormatException($"{path} must list its keys newest first, the first current and the others retired, each id once.");
        }

        return new TokenKeyRing(keys);
    }

    private sealed record Stored(List<StoredKey>? Keys);

    private sealed record StoredKey(int Id, string? Key, long Created, long? Retired);
}
