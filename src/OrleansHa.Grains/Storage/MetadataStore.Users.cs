namespace OrleansHa.Grains.Storage;

/// <summary>
/// Users: a name and a salted, slow password hash made by the coordinator that took the password. The store never
/// sees a password, and the master never spends its time hashing.
/// </summary>
internal sealed partial class MetadataStore
{
    /// <summary>Creates the user <paramref name="name"/>, or when <paramref name="replace"/> is set, replaces its hash too.</summary>
    /// <returns>True if the user was created, false if it existed (and was replaced only if asked).</returns>
    public bool PutUser(string name, string passwordHash, bool replace)
    {
        CatalogNames.Validate(name, nameof(name));
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordHash);
        return Write(transaction =>
        {
            bool exists = Scalar(_connection, transaction, "SELECT 1 FROM users WHERE name = @name;", ("@name", name)) is not null;
            if (exists && replace)
            {
                Execute(_connection, transaction, "UPDATE users SET password_hash = @hash WHERE name = @name;", ("@name", name), ("@hash", passwordHash));
            }
            else if (!exists)
            {
                Execute(
                    _connection,
                    transaction,
                    "INSERT INTO users(name, password_hash, created_at, created_epoch) VALUES (@name, @hash, @at, @epoch);",
                    ("@name", name),
                    ("@hash", passwordHash),
                    ("@at", Timestamp(_time)),
                    ("@epoch", Epoch));
            }

            return !exists;
        });
    }

    /// <exception cref="CatalogNotFoundException">No user has that name.</exception>
    public void DropUser(string name)
    {
        CatalogNames.Validate(name, nameof(name));
        Write(transaction => Execute(_connection, transaction, "DELETE FROM users WHERE name = @name;", ("@name", name)) == 1
            ? true
            : throw new CatalogNotFoundException($"User '{name}' does not exist."));
    }

    /// <summary>The user's password hash, or null when there is no such user.</summary>
    public string? GetPasswordHash(string name)
    {
        CatalogNames.Validate(name, nameof(name));
        return Read(transaction => Scalar(_connection, transaction, "SELECT password_hash FROM users WHERE name = @name;", ("@name", name)) as string);
    }

    public IReadOnlyList<string> ListUsers() => Read(transaction => ReadNames(transaction, "SELECT name FROM users ORDER BY name;"));
}
