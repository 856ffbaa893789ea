using System.Globalization;
using Microsoft.Data.Sqlite;
using OrleansHa.Abstractions.Security;

namespace OrleansHa.Grains.Storage;

/// <summary>
/// Users: a name, a salted, slow password hash made by the coordinator that took the password, and whether the user is
/// an admin. The store never sees a password, and the master never spends its time hashing. The last admin can be
/// neither dropped nor demoted, so the cluster always keeps someone who can manage it.
/// </summary>
internal sealed partial class MetadataStore
{
    /// <summary>Creates the user <paramref name="name"/>, an admin if <paramref name="admin"/>.</summary>
    /// <returns>True if the user was created, false if one with that name exists (it is left as it is).</returns>
    public bool CreateUser(string name, string passwordHash, bool admin)
    {
        CatalogNames.Validate(name, nameof(name));
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordHash);
        return Write(transaction =>
        {
            if (IsAdmin(transaction, name) is not null)
            {
                return false;
            }

            Execute(
                _connection,
                transaction,
                "INSERT INTO users(name, password_hash, created_at, created_epoch, admin) VALUES (@name, @hash, @at, @epoch, @admin);",
                ("@name", name),
                ("@hash", passwordHash),
                ("@at", Timestamp(_time)),
                ("@epoch", Epoch),
                ("@admin", admin ? 1 : 0));
            return true;
        });
    }

    /// <summary>Replaces the password hash of <paramref name="name"/>.</summary>
    /// <exception cref="CatalogNotFoundException">No user has that name.</exception>
    public void SetPassword(string name, string passwordHash)
    {
        CatalogNames.Validate(name, nameof(name));
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordHash);
        Write(transaction => Execute(_connection, transaction, "UPDATE users SET password_hash = @hash WHERE name = @name;", ("@name", name), ("@hash", passwordHash)) == 1
            ? true
            : throw new CatalogNotFoundException($"User '{name}' does not exist."));
    }

    /// <summary>Makes <paramref name="name"/> an admin or an ordinary user.</summary>
    /// <exception cref="CatalogNotFoundException">No user has that name.</exception>
    /// <exception cref="CatalogConflictException">It would demote the last admin.</exception>
    public void SetAdmin(string name, bool admin)
    {
        CatalogNames.Validate(name, nameof(name));
        Write(transaction =>
        {
            bool? wasAdmin = IsAdmin(transaction, name) ?? throw new CatalogNotFoundException($"User '{name}' does not exist.");
            if (wasAdmin == true && !admin)
            {
                EnsureAnotherAdmin(transaction, name, "demoted");
            }

            Execute(_connection, transaction, "UPDATE users SET admin = @admin WHERE name = @name;", ("@name", name), ("@admin", admin ? 1 : 0));
            return true;
        });
    }

    /// <exception cref="CatalogNotFoundException">No user has that name.</exception>
    /// <exception cref="CatalogConflictException">It is the last admin.</exception>
    public void DropUser(string name)
    {
        CatalogNames.Validate(name, nameof(name));
        Write(transaction =>
        {
            bool? admin = IsAdmin(transaction, name) ?? throw new CatalogNotFoundException($"User '{name}' does not exist.");
            if (admin == true)
            {
                EnsureAnotherAdmin(transaction, name, "dropped");
            }

            return Execute(_connection, transaction, "DELETE FROM users WHERE name = @name;", ("@name", name));
        });
    }

    /// <summary>The user's password hash, or null when there is no such user.</summary>
    public string? GetPasswordHash(string name)
    {
        CatalogNames.Validate(name, nameof(name));
        return Read(transaction => Scalar(_connection, transaction, "SELECT password_hash FROM users WHERE name = @name;", ("@name", name)) as string);
    }

    /// <summary>Whether <paramref name="name"/> is an admin; null when there is no such user.</summary>
    public bool? IsAdmin(string name)
    {
        CatalogNames.Validate(name, nameof(name));
        return Read(transaction => IsAdmin(transaction, name));
    }

    /// <summary>Every user with its role, by name.</summary>
    public IReadOnlyList<UserInfo> ListUsers() => Read(transaction =>
    {
        using var command = Command(_connection, transaction, "SELECT name, admin FROM users ORDER BY name;", []);
        using var reader = command.ExecuteReader();
        var users = new List<UserInfo>();
        while (reader.Read())
        {
            users.Add(new UserInfo(reader.GetString(0), reader.GetInt64(1) != 0));
        }

        return users;
    });

    private bool? IsAdmin(SqliteTransaction transaction, string name) =>
        Scalar(_connection, transaction, "SELECT admin FROM users WHERE name = @name;", ("@name", name)) is { } admin
            ? Convert.ToInt64(admin, CultureInfo.InvariantCulture) != 0
            : null;

    private void EnsureAnotherAdmin(SqliteTransaction transaction, string name, string what)
    {
        if (Scalar(_connection, transaction, "SELECT 1 FROM users WHERE admin = 1 AND name <> @name LIMIT 1;", ("@name", name)) is null)
        {
            throw new CatalogConflictException($"User '{name}' is the last admin and cannot be {what}: make another user an admin first.");
        }
    }
}
