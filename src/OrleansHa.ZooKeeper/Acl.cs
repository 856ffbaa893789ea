using System.Security.Cryptography;
using System.Text;
using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper;

/// <summary>Permission bits of an ACL entry.</summary>
[Flags]
#pragma warning disable CA1711 // "Permissions" is the protocol's own word.
public enum Permissions
#pragma warning restore CA1711
{
    None = 0,
    Read = 1,
    Write = 2,
    Create = 4,
    Delete = 8,
    Admin = 16,
    All = Read | Write | Create | Delete | Admin,
}

/// <summary>One access-control entry: what <paramref name="Id"/> in <paramref name="Scheme"/> may do.</summary>
public sealed record Acl(Permissions Permissions, string Scheme, string Id) : IJuteRecord, IJuteReadable<Acl>
{
    /// <summary>Everyone may do everything (OPEN_ACL_UNSAFE).</summary>
    public static IReadOnlyList<Acl> OpenUnsafe { get; } = [new(Permissions.All, "world", "anyone")];

    /// <summary>Everyone may read (READ_ACL_UNSAFE).</summary>
    public static IReadOnlyList<Acl> ReadUnsafe { get; } = [new(Permissions.Read, "world", "anyone")];

    /// <summary>Every identity authenticated on the creating connection gets all rights (CREATOR_ALL_ACL).</summary>
    public static IReadOnlyList<Acl> CreatorAll { get; } = [new(Permissions.All, "auth", string.Empty)];

    /// <summary>
    /// A digest entry for <paramref name="user"/>: the id is <c>user:BASE64(SHA1("user:password"))</c>, as the
    /// server's DigestAuthenticationProvider computes it.
    /// </summary>
    public static Acl Digest(string user, string password, Permissions permissions)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
#pragma warning disable CA5350 // SHA-1 is what the ZooKeeper digest scheme is defined with.
        byte[] hash = SHA1.HashData(Encoding.UTF8.GetBytes($"{user}:{password}"));
#pragma warning restore CA5350
        return new Acl(permissions, "digest", $"{user}:{Convert.ToBase64String(hash)}");
    }

    void IJuteRecord.Write(JuteWriter writer)
    {
        writer.WriteInt((int)Permissions);
        writer.WriteString(Scheme);
        writer.WriteString(Id);
    }

    static Acl IJuteReadable<Acl>.Read(ref JuteReader reader) =>
        new((Permissions)reader.ReadInt(), reader.ReadRequiredString("acl scheme"), reader.ReadRequiredString("acl id"));
}
