namespace OrleansHa.Engine.Tests;

/// <summary>Warm databases: a query on a pooled one sees exactly what it would see on a fresh one.</summary>
public sealed class SandboxPoolTests(QueryFiles files) : IClassFixture<QueryFiles>
{
    [Fact]
    public async Task A_database_is_reused_by_the_next_query_with_the_same_settings_and_not_by_others()
    {
        using var pool = new SandboxPool();

        Assert.Equal([[1L]], await QueryFiles.RowsAsync("SELECT 1::BIGINT", files.Sandbox(), pool));
        Assert.Equal(1, pool.IdleCount);
        Assert.Equal([[2L]], await QueryFiles.RowsAsync("SELECT 2::BIGINT", files.Sandbox(), pool));
        Assert.Equal(1, pool.IdleCount);
        Assert.Equal([[3L]], await QueryFiles.RowsAsync("SELECT 3::BIGINT", files.Sandbox(memoryLimit: "128MB"), pool));
        Assert.Equal(2, pool.IdleCount);
    }

    [Fact]
    public async Task A_changed_view_is_replaced_and_a_dropped_one_is_gone()
    {
        using var pool = new SandboxPool();
        var people = $"SELECT * FROM read_csv('{files.Data}/people.csv')";
        QuerySandbox With(params (string Name, string Sql)[] views) =>
            files.Sandbox() with { Views = views.ToDictionary(view => view.Name, view => view.Sql) };

        Assert.Equal([[3L]], await QueryFiles.RowsAsync("SELECT count(*) FROM names", With(("people", people), ("names", "SELECT name FROM people")), pool));
        Assert.Equal([[1L]], await QueryFiles.RowsAsync("SELECT count(*) FROM names", With(("people", people), ("names", "SELECT name FROM people WHERE id = 1")), pool));

        var gone = await QueryFiles.FailsAsync("SELECT count(*) FROM names", With(("people", people)), EngineFailureKind.Sql);
        Assert.Contains("names", gone.Message, StringComparison.Ordinal);
        var dropped = await Assert.ThrowsAsync<EngineException>(() => QueryFiles.RowsAsync("SELECT count(*) FROM names", With(("people", people)), pool));
        Assert.Contains("names", dropped.Message, StringComparison.Ordinal);
        Assert.Equal([[3L]], await QueryFiles.RowsAsync("SELECT count(*) FROM people", With(("people", people)), pool));
    }

    [Fact]
    public async Task A_database_whose_query_was_stopped_is_not_kept()
    {
        using var pool = new SandboxPool();
        await QueryFiles.FailsAsync("SELECT sum(hash(i)) FROM range(10000000000000) t(i)", files.Sandbox(TimeSpan.FromMilliseconds(200)), EngineFailureKind.Timeout, pool);

        Assert.Equal(0, pool.IdleCount);
    }
}
