using System.Globalization;
using Microsoft.Data.Sqlite;
using OrleansHa.Abstractions;

namespace OrleansHa.Grains.Storage;

/// <summary>Views (a name for SQL text), and the catalog version that sources and views share.</summary>
internal sealed partial class MetadataStore
{
    /// <summary>Longest view text accepted: a view is a query, not a data set.</summary>
    internal const int MaxViewSqlLength = 64 * 1024;

    /// <summary>
    /// Creates the view <paramref name="name"/> or replaces its SQL, and returns its new version (1 when created). The
    /// SQL is checked where it runs, inside each query's sandbox, exactly as a query's own text is.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a plain identifier, or the SQL is empty or too long.</exception>
    /// <exception cref="CatalogConflictException">A source has that name.</exception>
    public long PutView(string name, string sql)
    {
        ValidateSourceName(name, "View");
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (sql.Length > MaxViewSqlLength)
        {
            throw new ArgumentException($"View '{name}' has {sql.Length} characters of SQL; at most {MaxViewSqlLength} are allowed.", nameof(sql));
        }

        return Write(transaction =>
        {
            // Queries compare names without case, as DuckDB does, so the catalog must too.
            if (Scalar(_connection, transaction, "SELECT name FROM sources WHERE name = @name COLLATE NOCASE;", ("@name", name)) is string source)
            {
                throw new CatalogConflictException($"'{source}' is a source; a view cannot have the same name.");
            }

            if (Scalar(_connection, transaction, "SELECT name FROM views WHERE name = @name COLLATE NOCASE AND name <> @name;", ("@name", name)) is string other)
            {
                throw new CatalogConflictException($"View '{other}' exists; names differing only in case are the same name in queries.");
            }

            long version = Scalar(_connection, transaction, "SELECT version FROM views WHERE name = @name;", ("@name", name)) is { } current
                ? Convert.ToInt64(current, CultureInfo.InvariantCulture) + 1
                : 1;
            Execute(
                _connection,
                transaction,
                """
                INSERT INTO views(name, sql, version, updated_at, updated_epoch) VALUES (@name, @sql, @version, @at, @epoch)
                ON CONFLICT(name) DO UPDATE SET sql = excluded.sql, version = excluded.version,
                    updated_at = excluded.updated_at, updated_epoch = excluded.updated_epoch;
                """,
                ("@name", name),
                ("@sql", sql),
                ("@version", version),
                ("@at", Timestamp(_time)),
                ("@epoch", Epoch));
            BumpCatalogVersion(transaction);
            return version;
        });
    }

    /// <exception cref="CatalogNotFoundException">No view has that name.</exception>
    public void DropView(string name)
    {
        ValidateSourceName(name, "View");
        Write(transaction =>
        {
            if (Execute(_connection, transaction, "DELETE FROM views WHERE name = @name;", ("@name", name)) != 1)
            {
                throw new CatalogNotFoundException($"View '{name}' does not exist.");
            }

            BumpCatalogVersion(transaction);
            return true;
        });
    }

    /// <summary>The views by name (each query's sandbox creates them in whatever order their dependencies need).</summary>
    public IReadOnlyList<ViewInfo> ListViews() => Read(ReadViews);

    /// <summary>The catalog version: bumped by every change to a source or a view.</summary>
    public long CatalogVersion() => Read(ReadCatalogVersion);

    /// <summary>Sources and views at one version, read in one transaction.</summary>
    public CatalogSnapshot Catalog() => Read(transaction =>
        new CatalogSnapshot(ReadCatalogVersion(transaction), ReadSources(transaction), ReadViews(transaction)));

    private long ReadCatalogVersion(SqliteTransaction transaction) =>
        Convert.ToInt64(Scalar(_connection, transaction, "SELECT version FROM catalog_version;"), CultureInfo.InvariantCulture);

    private void BumpCatalogVersion(SqliteTransaction transaction) =>
        Execute(_connection, transaction, "UPDATE catalog_version SET version = version + 1;");

    private List<ViewInfo> ReadViews(SqliteTransaction transaction)
    {
        using var command = Command(_connection, transaction, "SELECT name, sql, version FROM views ORDER BY name;", []);
        using var reader = command.ExecuteReader();
        var views = new List<ViewInfo>();
        while (reader.Read())
        {
            views.Add(new ViewInfo(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        return views;
    }
}
