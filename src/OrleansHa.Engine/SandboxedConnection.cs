using System.Globalization;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using OrleansHa.Sql;

namespace OrleansHa.Engine;

/// <summary>
/// One in-memory DuckDB database set up for a sandbox's settings and locked (<see cref="SettingsFor"/>), with the views
/// the queries run on it have needed so far. It outlives a query when it goes back to a <see cref="SandboxPool"/>:
/// nothing a query can run changes it (the configuration is locked, and only reads run), so the next query with the same
/// settings finds it as fresh, with its views already bound.
/// </summary>
internal sealed class SandboxedConnection : IDisposable
{
    private const string InMemory = "DataSource=:memory:";

    private readonly DuckDBConnection _connection;
    private readonly Dictionary<string, string> _views = new(StringComparer.OrdinalIgnoreCase);

    private SandboxedConnection(SandboxSettings settings, DuckDBConnection connection, string? spillDirectory)
    {
        Settings = settings;
        _connection = connection;
        SpillDirectory = spillDirectory;
    }

    /// <summary>The settings it was set up with: the pool's key.</summary>
    public SandboxSettings Settings { get; }

    /// <summary>This connection's own spill directory (under the sandbox's temp directory), or null.</summary>
    public string? SpillDirectory { get; }

    public DuckDBNativeConnection Native => _connection.NativeConnection;

    /// <summary>The ADO.NET connection, for tests that look at the settings from inside.</summary>
    internal DuckDBConnection Connection => _connection;

    /// <summary>A fresh database set up for <paramref name="settings"/> and locked.</summary>
    public static SandboxedConnection Open(SandboxSettings settings)
    {
        var spillDirectory = settings.TempDirectory is { } temp
            ? Path.Join(temp, "duckdb-" + Guid.NewGuid().ToString("N"))
            : null;
        var connection = new DuckDBConnection(InMemory);
        try
        {
            connection.Open();
            foreach (var setting in SettingsFor(settings, spillDirectory))
            {
                Execute(connection, setting);
            }

            return new SandboxedConnection(settings, connection, spillDirectory);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The statements that set up a fresh database for <paramref name="settings"/>, in the order they run.</summary>
    /// <param name="settings">The sandbox's settings.</param>
    /// <param name="spillDirectory">The database's own spill directory, or null for none.</param>
    internal static IReadOnlyList<string> SettingsFor(SandboxSettings settings, string? spillDirectory) =>
    [
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
        $"SET memory_limit = {Literal(settings.MemoryLimit)}",
        string.Create(CultureInfo.InvariantCulture, $"SET threads = {settings.Threads}"),
        $"SET temp_directory = {Literal(spillDirectory ?? string.Empty)}", // '' turns spilling off
        $"SET allowed_directories = [{string.Join(", ", settings.AllowedDirectories.Select(Literal))}]",
        "SET allowed_paths = []",
        "SET enable_external_access = false",
        "SET lock_configuration = true",
    ];

    /// <summary>
    /// Creates the views this connection does not have yet, and replaces those whose SELECT changed, each checked like
    /// a query. DuckDB binds a view when it is created, so a view over another view must come after it: views that fail
    /// are tried again after the others, until a round makes no progress; then the first failure is the error (a view
    /// over a missing name, or invalid SQL). The views are created after the lock, so they read only what a query could.
    /// A view kept from an earlier query that <paramref name="sql"/> could reach (by its own names or through the views
    /// it uses) but that is not in <paramref name="views"/> any more is dropped first: the query sees what a fresh
    /// database would show it.
    /// </summary>
    public void EnsureViews(IReadOnlyDictionary<string, string> views, string sql)
    {
        DropStaleViews(views, sql);
        var pending = views.Where(view => !_views.TryGetValue(view.Key, out var known) || known != view.Value).ToList();
        while (pending.Count > 0)
        {
            var failed = new List<KeyValuePair<string, string>>();
            EngineException? firstFailure = null;
            foreach (var (name, select) in pending)
            {
                try
                {
                    SqlGuard.EnsureNoForbiddenCall(select);
                    StatementCheck.PrepareSingleRead(Native, select).Dispose();
                    Execute(_connection, $"CREATE OR REPLACE VIEW {Quote(name)} AS {select}");
                    _views[name] = select;
                }
                catch (Exception ex) when (ex is DuckDBException or EngineException { Kind: EngineFailureKind.Sql })
                {
                    // A name not bound yet may be a view still to come; anything the sandbox refuses fails at once.
                    EngineException cause = ex as EngineException ?? EngineErrors.FromDuckDb((DuckDBException)ex);
                    if (cause.Kind != EngineFailureKind.Sql)
                    {
                        throw cause;
                    }

                    failed.Add(new(name, select));
                    firstFailure ??= new EngineException(cause.Kind, $"View '{name}' could not be created: {cause.Message}");
                }
            }

            if (failed.Count == pending.Count)
            {
                throw firstFailure!;
            }

            pending = failed;
        }
    }

    private void DropStaleViews(IReadOnlyDictionary<string, string> views, string sql)
    {
        if (_views.Count == 0)
        {
            return;
        }

        var reachable = new HashSet<string>(SqlText.NamesIn(sql), StringComparer.OrdinalIgnoreCase);
        foreach (var select in views.Values)
        {
            reachable.UnionWith(SqlText.NamesIn(select));
        }

        foreach (var stale in _views.Keys.Where(name => !views.ContainsKey(name) && reachable.Contains(name)).ToList())
        {
            Execute(_connection, $"DROP VIEW IF EXISTS {Quote(stale)}");
            _views.Remove(stale);
        }
    }

    /// <summary>Interrupts the statement running on this connection, if any (callable from any thread).</summary>
    public void Interrupt() => _connection.NativeConnection.Interrupt();

    public void Dispose()
    {
        _connection.Dispose();
        if (SpillDirectory is null)
        {
            return;
        }

        try
        {
            if (Directory.Exists(SpillDirectory))
            {
                Directory.Delete(SpillDirectory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind: the temp directory is the operator's to clean.
        }
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
