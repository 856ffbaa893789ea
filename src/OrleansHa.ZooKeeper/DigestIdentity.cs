namespace OrleansHa.ZooKeeper;

/// <summary>
/// A user and password in ZooKeeper's digest scheme: presented with <c>addauth digest user:password</c> on every
/// connection (<see cref="ZooKeeperClientOptions.Identity"/>), and named in ACLs as
/// <c>digest:user:BASE64(SHA1(user:password))</c> (<see cref="ToAcl"/>).
/// </summary>
public sealed record DigestIdentity
{
    public DigestIdentity(string user, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentException.ThrowIfNullOrEmpty(password);
        if (user.Contains(':', StringComparison.Ordinal))
        {
            // The server splits "user:password" at the first colon, so a colon in the user would name someone else.
            throw new ArgumentException("A digest user name cannot contain ':'.", nameof(user));
        }

        User = user;
        Password = password;
    }

    public string User { get; }

    public string Password { get; }

    /// <summary>Reads <c>user:password</c> (surrounding whitespace and a trailing newline ignored).</summary>
    /// <exception cref="FormatException">The text is not <c>user:password</c> with both parts non-empty.</exception>
    public static DigestIdentity Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == trimmed.Length - 1)
        {
            // The text itself is not repeated: it is a secret.
            throw new FormatException("A ZooKeeper digest identity must read 'user:password', with a non-empty user and password.");
        }

        return new DigestIdentity(trimmed[..colon], trimmed[(colon + 1)..]);
    }

    /// <summary>The ACL entry that gives this identity <paramref name="permissions"/>.</summary>
    public Acl ToAcl(Permissions permissions) => Acl.Digest(User, Password, permissions);

    internal Protocol.AuthPacket ToAuthPacket() => new(0, "digest", System.Text.Encoding.UTF8.GetBytes($"{User}:{Password}"));

    /// <summary>The user alone: the password must not reach a log by way of a formatted options object.</summary>
    public override string ToString() => $"digest:{User}";
}
