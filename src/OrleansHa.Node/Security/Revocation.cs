using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace OrleansHa.Node.Security;

/// <summary>
/// A revoked token (logged out), or every token of a user issued before a moment (the user was dropped or its
/// password changed), kept as a znode under <c>ClusterZnodes.Revoked</c> whose name says it all:
/// <c>t.&lt;expires&gt;.&lt;token id&gt;</c> or <c>u.&lt;expires&gt;.&lt;user, base64url&gt;.&lt;issued before&gt;</c> (expiry in unix
/// seconds, issue time in unix milliseconds, as tokens carry them).
/// Past <see cref="Expires"/> no token it covers can be valid anyway, and the entry is dropped.
/// </summary>
internal sealed record Revocation(string? TokenId, string? User, DateTimeOffset IssuedBefore, DateTimeOffset Expires)
{
    public static Revocation OfToken(string tokenId, DateTimeOffset expires) => new(tokenId, null, expires, expires);

    /// <summary>Every token of <paramref name="user"/> issued before <paramref name="now"/>: those last at most <paramref name="lifetime"/>.</summary>
    public static Revocation OfUser(string user, DateTimeOffset now, TimeSpan lifetime) => new(null, user, now, now + lifetime);

    public string Name => TokenId is not null
        ? string.Create(CultureInfo.InvariantCulture, $"t.{Expires.ToUnixTimeSeconds()}.{TokenId}")
        : string.Create(CultureInfo.InvariantCulture, $"u.{Expires.ToUnixTimeSeconds()}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(User!))}.{IssuedBefore.ToUnixTimeMilliseconds()}");

    /// <summary>The entry a znode name stands for, or null for a name that is none (left alone).</summary>
    public static Revocation? Parse(string name)
    {
        string[] parts = name.Split('.');
        if (parts.Length < 3 || !TryReadSeconds(parts[1], out DateTimeOffset expires))
        {
            return null;
        }

        if (parts is ["t", _, { Length: > 0 } id])
        {
            return OfToken(id, expires);
        }

        if (parts is ["u", _, var user, var before] && Base64Url.IsValid(user) && long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out long milliseconds)
            && milliseconds <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return new Revocation(null, Encoding.UTF8.GetString(Base64Url.DecodeFromChars(user)), DateTimeOffset.FromUnixTimeMilliseconds(milliseconds), expires);
        }

        return null;
    }

    private static bool TryReadSeconds(string text, out DateTimeOffset time)
    {
        bool read = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds();
        time = read ? DateTimeOffset.FromUnixTimeSeconds(seconds) : default;
        return read;
    }
}
