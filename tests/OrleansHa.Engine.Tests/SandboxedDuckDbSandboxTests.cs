using DuckDB.NET.Data;



namespace OrleansHa.Engine.Tests;

/// <summary>Every way out of the sandbox that we know of is refused, with <see cref="EngineFailureKind.Permission"/>.</summary>
public sealed class SandboxedDuckDbSandboxTests(QueryFiles files) : IClassFixture<QueryFiles>
{
    [Fact]
    public async Task A_file_outside_the_allowed_directories_is_refused()
    {
        var failure = await QueryFiles.FailsAsync("SELECT * FROM read_csv('/etc/passwd')", files.Sandbox(), EngineFailureKind.Permission);

        Assert.Contains("/etc/passwd", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Permission Error", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dot_dot_path_out_of_the_allowed_directory_is_refused()
    {
        var failure = await QueryFiles.FailsAsync(
            $"SELECT * FROM read_csv('{files.Data}/../outside/secret.csv')",
            files.Sandbox(),
            EngineFailureKind.Permission);

        Assert.Contains("secret.csv", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symbolic_link_inside_the_allowed_directory_pointing_outside_is_refused()
    {
        await QueryFiles.FailsAsync($"SELECT * FROM read_csv('{files.Data}/links/secret.csv')", files.Sandbox(), EngineFailureKind.Permission);
        await QueryFiles.FailsAsync($"SELECT * FROM read_csv('{files.Data}/links/outside-dir/secret.csv')", files.Sandbox(), EngineFailureKind.Permission);
        await QueryFiles.FailsAsync($"SELECT * FROM read_csv('{files.Data}/links/*.csv')", files.Sandbox(), EngineFailureKind.Permission);
    }

    [Fact]
    public async Task A_sibling_directory_that_shares_the_prefix_is_refused()
    {
        Directory.CreateDirectory(files.Data + "-archive");
        File.WriteAllText(Path.Combine(files.Data + "-archive", "old.csv"), "a\n1\n");

        await QueryFiles.FailsAsync($"SELECT * FROM read_csv('{files.Data}-archive/old.csv')", files.Sandbox(), EngineFailureKind.Permission);
    }

    [Theory]
    [InlineData("read_text('/etc/hostname')")]
    [InlineData("read_blob('/etc/hostname')")]
    [InlineData("glob('/*')")]
    [InlineData("read_parquet('https://example.com/x.parquet')")]
    [InlineData("read_csv('file:///etc/passwd')")]
    public async Task Other_readers_and_remote_paths_are_refused(string tableFunction) =>
        await QueryFiles.FailsAsync($"SELECT * FROM {tableFunction}", files.Sandbox(), EngineFailureKind.Permission);

    [Fact]
    public async Task COPY_TO_outside_is_refused()
    {
        var target = Path.Combine(files.Outside, "copied.csv");

        var failure = await QueryFiles.FailsAsync($"COPY (SELECT 1) TO '{target}'", files.Sandbox(), EngineFailureKind.Permission);

        Assert.Contains("COPY", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
        await QueryFiles.FailsAsync("COPY (SELECT 1) TO '/tmp/x.csv'", files.Sandbox(), EngineFailureKind.Permission);
    }

    [Fact]
    public async Task Writing_into_the_allowed_directory_is_refused_too()
    {
        var target = Path.Combine(files.Data, "written.csv");

        await QueryFiles.FailsAsync($"COPY (SELECT 1) TO '{target}'", files.Sandbox(), EngineFailureKind.Permission);
        await QueryFiles.FailsAsync($"EXPORT DATABASE '{files.Data}/export'", files.Sandbox(), EngineFailureKind.Permission);
        await QueryFiles.FailsAsync($"ATTACH '{files.Data}/attached.db'", files.Sandbox(), EngineFailureKind.Permission);

        Assert.False(File.Exists(target));
        Assert.False(Directory.Exists(Path.Combine(files.Data, "export")), "preparing EXPORT DATABASE creates its directory: it must not be prepared");
        Assert.False(File.Exists(Path.Combine(files.Data, "attached.db")));
    }

    [Theory]
    [InlineData("ATTACH '/tmp/x.db'", "ATTACH")]
    [InlineData("INSTALL httpfs", "INSTALL or LOAD")]
    [InlineData("LOAD httpfs", "INSTALL or LOAD")]
    [InlineData("SET enable_external_access = true", "SET")]
    [InlineData("SET allowed_directories = ['/']", "SET")]
    [InlineData("RESET allowed_directories", "SET")]
    [InlineData("SET lock_configuration = false", "SET")]
    [InlineData("PRAGMA threads = 64", "PRAGMA")]
    [InlineData("PRAGMA version", "PRAGMA")]
    [InlineData("EXPLAIN COPY (SELECT 1) TO '/tmp/x.csv'", "COPY")]
    [InlineData("EXPLAIN ANALYZE COPY (SELECT 1) TO '/tmp/x.csv'", "COPY")]
    [InlineData("CREATE TABLE t AS SELECT 1", "catalog")]
    [InlineData("CALL pragma_version()", "CALL")]
    public async Task Statements_that_do_not_read_are_refused(string sql, string named)
    {
        var failure = await QueryFiles.FailsAsync(sql, files.Sandbox(), EngineFailureKind.Permission);

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT 1; SET lock_configuration = false")]
    [InlineData("SELECT 1; ATTACH '/tmp/x.db'")]
    [InlineData("SELECT 1; SELECT 2")]
    public async Task Only_one_statement_runs_per_query(string sql)
    {
        var failure = await QueryFiles.FailsAsync(sql, files.Sandbox(), EngineFailureKind.Permission);

        Assert.Contains("exactly one SQL statement", failure.Message, StringComparison.Ordinal);
        Assert.Contains("has 2", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT * FROM enable_logging(storage = 'file', storage_path = '{data}/logs')", "enable_logging")]
    [InlineData("SELECT * FROM \"ENABLE_LOGGING\" /* sneaky */ (storage_path = '{data}/logs')", "enable_logging")]
    [InlineData("SELECT * FROM system.main.enable_profiling(format = 'json', save_location = '{data}/p.json')", "enable_profiling")]
    [InlineData("SELECT * FROM query('SELECT * FROM enable_' || 'logging(storage_path = ''{data}/logs'')')", "query")]
    public async Task Table_functions_that_get_around_the_locked_configuration_are_refused(string sql, string function)
    {
        var failure = await QueryFiles.FailsAsync(sql.Replace("{data}", files.Data, StringComparison.Ordinal), files.Sandbox(), EngineFailureKind.Permission);

        Assert.Contains(function + "()", failure.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(files.Data, "logs")));
        Assert.False(File.Exists(Path.Combine(files.Data, "p.json")));
    }

    [Fact]
    public async Task The_forbidden_names_in_a_string_or_a_column_name_are_fine()
    {
        var rows = await QueryFiles.RowsAsync("SELECT 'enable_logging(x)' AS query, 2 AS \"query\" -- query(", files.Sandbox());

        Assert.Equal([["enable_logging(x)", 2L]], rows);
    }

    // The layer under the statement check: the DuckDB settings alone.

    [Fact]
    public void The_settings_took_effect_and_are_locked()
    {
        using var sandboxed = SandboxedConnection.Open(files.Sandbox(memoryLimit: "100MB").Settings);
        var connection = sandboxed.Connection;

        Assert.Equal("false", Scalar(connection, "SELECT current_setting('enable_external_access')::VARCHAR"));
        Assert.Equal("true", Scalar(connection, "SELECT current_setting('lock_configuration')::VARCHAR"));
        Assert.Equal("false", Scalar(connection, "SELECT current_setting('autoload_known_extensions')::VARCHAR"));
        Assert.Equal("false", Scalar(connection, "SELECT current_setting('autoinstall_known_extensions')::VARCHAR"));
        Assert.Equal("2", Scalar(connection, "SELECT current_setting('threads')::VARCHAR"));
        Assert.Equal("95.3 MiB", Scalar(connection, "SELECT current_setting('memory_limit')::VARCHAR"));
        Assert.Equal(string.Empty, Scalar(connection, "SELECT current_setting('temp_directory')::VARCHAR"));
        Assert.Equal($"[{files.Data}/]", Scalar(connection, "SELECT current_setting('allowed_directories')::VARCHAR"));
        Assert.Equal("[]", Scalar(connection, "SELECT current_setting('allowed_paths')::VARCHAR"));

        foreach (var change in new[]
        {
            "SET lock_configuration = false", "SET enable_external_access = true", "SET allowed_directories = ['/']",
            "RESET allowed_directories", "SET allowed_paths = ['/etc/passwd']", "SET memory_limit = '10GB'", "PRAGMA threads = 64",
            "SET autoload_known_extensions = true", "SET temp_directory = '/tmp'",
        })
        {
            var refused = Assert.Throws<DuckDBException>(() => Scalar(connection, change));
            Assert.Contains("the configuration has been locked", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void On_its_own_DuckDB_refuses_writes_and_extensions_outside_but_allows_writing_into_an_allowed_directory()
    {
        using var sandboxed = SandboxedConnection.Open(files.Sandbox().Settings);
        var connection = sandboxed.Connection;

        foreach (var escape in new[] { $"COPY (SELECT 1) TO '{files.Outside}/x.csv'", $"ATTACH '{files.Outside}/x.db'", "INSTALL httpfs", "LOAD httpfs" })
        {
            var refused = Assert.Throws<DuckDBException>(() => Scalar(connection, escape));
            Assert.Contains("Permission Error", refused.Message, StringComparison.Ordinal);
        }

        // Why StatementCheck refuses every statement that is not a read: allowed_directories is read AND write.
        var inside = Path.Combine(files.Data, "duckdb-alone-wrote-this.csv");
        Scalar(connection, $"COPY (SELECT 1) TO '{inside}'");
        Assert.True(File.Exists(inside));
        File.Delete(inside);
    }

    private static string? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }
}
