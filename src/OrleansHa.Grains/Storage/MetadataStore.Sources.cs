using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using OrleansHa.Abstractions;

namespace OrleansHa.Grains.Storage;

/// <summary>Sources: names for directories of data files that queries may read, and nothing else.</summary>
internal sealed partial class MetadataStore
{
    /// <summary>Registers the source <paramref name="name"/> for the directory <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a plain SQL identifier, or the path is not absolute and normalised.</exception>
    /// <exception cref="CatalogConflictException">A source of that name exists.</exception>
    public void CreateSource(string name, string path)
    {
        ValidateSourceName(name, "Source");
        ValidateSourcePath(path);
        Write(transaction =>
        {
            // Queries compare names without case, as DuckDB does, so the catalog must too.
            if (Scalar(_connection, transaction, "SELECT name FROM sources WHERE name = @name COLLATE NOCASE;", ("@name", name)) is string source)
            {
                throw new CatalogConflictException($"Source '{source}' already exists.");
            }

            if (Scalar(_connection, transaction, "SELECT name FROM views WHERE name = @name COLLATE NOCASE;", ("@name", name)) is string view)
            {
                throw new CatalogConflictException($"'{view}' is a view; a source cannot have the same name.");
            }

            Execute(
                _connection,
                transaction,
                "INSERT INTO sources(name, path, created_at, created_epoch) VALUES (@name, @path, @at, @epoch);",
                ("@name", name),
                ("@path", path),
                ("@at", Timestamp(_time)),
                ("@epoch", Epoch));
            BumpCatalogVersion(transaction);
            return true;
        });
    }

    /// <exception cref="CatalogNotFoundException">No source has that name.</exception>
    public void DropSource(string name)
    {
        ValidateSourceName(name, "Source");
        Write(transaction =>
        {
            if (Execute(_connection, transaction, "DELETE FROM sources WHERE name = @name;", ("@name", name)) != 1)
            {
                throw new CatalogNotFoundException($"Source '{name}' does not exist.");
            }

            BumpCatalogVersion(transaction);
            return true;
        });
    }

    public IReadOnlyList<SourceInfo> ListSources() => Read(ReadSources);

    private List<SourceInfo> ReadSources(SqliteTransaction transaction)
    {
        using var command = Command(_connection, transaction, "SELECT name, path FROM sources ORDER BY name;", []);
        using var reader = command.ExecuteReader();
        var sources = new List<SourceInfo>();
        while (reader.Read())
        {
            sources.Add(new SourceInfo(reader.GetString(0), reader.GetString(1)));
        }

        return sources;
    }

    /// <summary>Source and view names are view names in queries, so they must be plain identifiers: no quoting, no injection.</summary>
    private static void ValidateSourceName(string name, string what)
    {
        CatalogNames.Validate(name, nameof(name));
        if (!SourceName().IsMatch(name))
        {
            throw new ArgumentException($"{what} name '{name}' must start with a letter or '_' and hold only letters, digits and '_'.", nameof(name));
        }
    }

    private static void ValidateSourcePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Path.IsPathFullyQualified(path) || Path.GetFullPath(path) != path || path.Any(char.IsControl))
        {
            throw new ArgumentException($"Source path '{path}' must be absolute and normalised (no '.', '..' or control characters).", nameof(path));
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SourceName();
}
