using Orleans;
using Orleans.Runtime;
using OrleansHa.Clustering.ZooKeeper.Tests.Infrastructure;

namespace OrleansHa.Clustering.ZooKeeper.Tests;

/// <summary>
/// The optimistic-concurrency half of the contract: writers racing on one table version, each on its own table
/// instance and ZooKeeper session (as separate silos would be), and readers that must see one consistent moment.
/// </summary>
public sealed class MembershipTableConcurrencyTests(ZooKeeperServerFixture zk) : ConformanceTestBase(zk)
{
    private const int Racers = 20;

    [Fact]
    public async Task Twenty_silos_inserting_with_the_same_table_version_exactly_one_wins()
    {
        TableScope scope = NewScope();
        await using var first = await OpenAsync(scope);
        MembershipTableHandle[] silos = await Task.WhenAll(Enumerable.Range(0, Racers).Select(_ => OpenAsync(scope)));
        try
        {
            Assert.Equal(Racers, silos.Select(s => s.Concrete).Distinct().Count());
            TableVersion version = (await first.Table.ReadAllAsync(Ct)).Version.Next();
            MembershipEntry[] entries = [.. Enumerable.Range(0, Racers).Select(_ => Entries.New())];

            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<bool>[] inserts =
            [
                .. silos.Select(async (silo, i) =>
                {
                    await start.Task;
                    return await silo.Table.InsertRowAsync(entries[i], version, Ct);
                }),
            ];
            start.SetResult();
            bool[] results = await Task.WhenAll(inserts);

            int winner = Assert.Single(Enumerable.Range(0, Racers), i => results[i]);
            MembershipTableData data = await first.Table.ReadAllAsync(Ct);
            Assert.Equal(1, data.Version.Version);
            Entries.AssertSame(entries[winner], Assert.Single(data.Members).Item1);

            // Every loser sees the winner's table on its own session.
            foreach (MembershipTableHandle silo in silos)
            {
                MembershipTableData seen = await silo.Table.ReadAllAsync(Ct);
                Assert.Equal(data.Version, seen.Version);
                Assert.Equal(entries[winner].SiloAddress, Assert.Single(seen.Members).Item1.SiloAddress);
            }
        }
        finally
        {
            await Task.WhenAll(silos.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Twenty_concurrent_inserts_of_one_silo_on_one_table_exactly_one_wins()
    {
        await using var handle = await NewTableAsync();
        TableVersion version = (await handle.Table.ReadAllAsync(Ct)).Version.Next();
        MembershipEntry entry = Entries.New();

        bool[] results = await Task.WhenAll(Enumerable.Range(0, Racers).Select(_ => handle.Table.InsertRowAsync(entry, version, Ct)));

        Assert.Single(results, r => r);
        MembershipTableData data = await handle.Table.ReadAllAsync(Ct);
        Assert.Equal(1, data.Version.Version);
        Entries.AssertSame(entry, Assert.Single(data.Members).Item1);
    }

    [Fact]
    public async Task Silos_racing_to_update_one_row_each_win_once_and_the_version_counts_every_win()
    {
        TableScope scope = NewScope();
        await using var owner = await OpenAsync(scope);
        MembershipEntry entry = Entries.New();
        Assert.True(await owner.Table.InsertRowAsync(entry, (await owner.Table.ReadAllAsync(Ct)).Version.Next(), Ct));
        const int Updaters = Racers - 1;
        MembershipTableHandle[] silos = await Task.WhenAll(Enumerable.Range(0, Updaters).Select(_ => OpenAsync(scope)));
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<int>[] updaters =
            [
                .. silos.Select(async (silo, i) =>
                {
                    await start.Task;
                    for (int attempt = 1; ; attempt++)
                    {
                        Ct.ThrowIfCancellationRequested();
                        MembershipTableData read = await silo.Table.ReadAllAsync(Ct);
                        var (row, etag) = Entries.Row(read, entry.SiloAddress);
                        MembershipEntry vote = Entries.Copy(row);
                        vote.SuspectTimes = [.. row.SuspectTimes ?? [], Tuple.Create(Entries.NewSiloAddress(), Entries.UtcNowSeconds())];
                        if (await silo.Table.UpdateRowAsync(vote, etag, read.Version.Next(), Ct))
                        {
                            return attempt;
                        }

                        await Task.Yield();
                    }
                }),
            ];
            start.SetResult();
            int[] attempts = await Task.WhenAll(updaters);

            MembershipTableData data = await owner.Table.ReadAllAsync(Ct);
            Assert.Equal(1 + Updaters, data.Version.Version);
            MembershipEntry final = Assert.Single(data.Members).Item1;
            // No update was lost: each one appended one vote to what it read.
            Assert.Equal(Updaters, final.SuspectTimes!.Count);
            Assert.Equal(Updaters, final.SuspectTimes.Select(v => v.Item1).Distinct().Count());
            Assert.True(attempts.Max() > 1, "the updaters never actually collided");
        }
        finally
        {
            await Task.WhenAll(silos.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task ReadAll_under_concurrent_inserts_always_returns_rows_and_version_of_the_same_moment()
    {
        // Insert-only workload: every successful write adds exactly one row and bumps the version by one, so any
        // consistent snapshot has exactly as many rows as its version number.
        const int Writers = 4;
        const int RowsPerWriter = 10;
        TableScope scope = NewScope();
        MembershipTableHandle[] writers = await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => OpenAsync(scope)));
        MembershipTableHandle[] readers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => OpenAsync(scope)));
        try
        {
            using var writing = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var inconsistencies = new System.Collections.Concurrent.ConcurrentQueue<string>();
            int snapshots = 0;
            Task[] readerTasks =
            [
                .. readers.Select(async reader =>
                {
                    while (!writing.IsCancellationRequested)
                    {
                        MembershipTableData data = await reader.Table.ReadAllAsync(Ct);
                        Interlocked.Increment(ref snapshots);
                        if (data.Members.Count != data.Version.Version)
                        {
                            inconsistencies.Enqueue($"{data.Members.Count} rows at version {data.Version}");
                        }

                        if (data.Members.Any(m => string.IsNullOrEmpty(m.Item2)))
                        {
                            inconsistencies.Enqueue($"a row without an etag at version {data.Version}");
                        }
                    }
                }),
            ];

            int[] inserted = await Task.WhenAll(writers.Select(async writer =>
            {
                int done = 0;
                while (done < RowsPerWriter)
                {
                    MembershipTableData read = await writer.Table.ReadAllAsync(Ct);
                    if (await writer.Table.InsertRowAsync(Entries.New(), read.Version.Next(), Ct))
                    {
                        done++;
                    }
                }

                return done;
            }));
            await writing.CancelAsync();
            await Task.WhenAll(readerTasks);

            Assert.True(inconsistencies.IsEmpty, $"{inconsistencies.Count} of {snapshots} snapshots mixed two moments, e.g. {string.Join("; ", inconsistencies.Take(5))}");
            MembershipTableData final = await readers[0].Table.ReadAllAsync(Ct);
            Assert.Equal(inserted.Sum(), final.Version.Version);
            Assert.Equal(Writers * RowsPerWriter, final.Members.Count);
        }
        finally
        {
            await Task.WhenAll(writers.Concat(readers).Select(s => s.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Heartbeats_racing_with_membership_changes_never_make_them_fail()
    {
        TableScope scope = NewScope();
        await using var silo = await OpenAsync(scope);
        await using var monitor = await OpenAsync(scope);
        MembershipEntry entry = Entries.New(SiloStatus.Active);
        Assert.True(await silo.Table.InsertRowAsync(entry, (await silo.Table.ReadAllAsync(Ct)).Version.Next(), Ct));

        using var beating = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        int beats = 0;
        Task heartbeat = Task.Run(async () =>
        {
            while (!beating.IsCancellationRequested)
            {
                await silo.Table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = DateTime.UtcNow }, Ct);
                Interlocked.Increment(ref beats);
            }
        });

        // Wait for the heartbeat loop to be running rather than guessing how long it takes to start.
        await OrleansHa.Testing.Poll.UntilAsync(() => Volatile.Read(ref beats) >= 3, TimeSpan.FromSeconds(20), "three heartbeats", cancellationToken: Ct);
        for (int i = 0; i < 10; i++)
        {
            MembershipTableData read = await monitor.Table.ReadAllAsync(Ct);
            var (row, etag) = Entries.Row(read, entry.SiloAddress);
            MembershipEntry vote = Entries.Copy(row);
            vote.SuspectTimes = [.. row.SuspectTimes ?? [], Tuple.Create(Entries.NewSiloAddress(), Entries.UtcNowSeconds())];
            Assert.True(await monitor.Table.UpdateRowAsync(vote, etag, read.Version.Next(), Ct), $"update {i} lost to a heartbeat");
        }

        await beating.CancelAsync();
        await heartbeat;
        Assert.Equal(11, (await monitor.Table.ReadAllAsync(Ct)).Version.Version);
    }

    [Fact]
    public async Task ReadRow_and_ReadAll_return_a_row_and_the_table_version_of_the_same_moment()
    {
        // One row, updated over and over by another silo; each update appends one suspect vote and bumps the table
        // version by one, so in any consistent read the row has exactly (version - 1) votes. IMembershipTable.ReadRow:
        // "The MembershipEntry and the TableVersion have to be read atomically."
        const int Updates = 100;
        TableScope scope = NewScope();
        await using var writer = await OpenAsync(scope);
        await using var reader = await OpenAsync(scope);
        MembershipEntry entry = Entries.New();
        Assert.True(await writer.Table.InsertRowAsync(entry, (await writer.Table.ReadAllAsync(Ct)).Version.Next(), Ct));

        using var writing = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var mixed = new System.Collections.Concurrent.ConcurrentQueue<string>();
        int reads = 0;
        Task readLoop = Task.Run(async () =>
        {
            while (!writing.IsCancellationRequested)
            {
                bool viaReadRow = (Interlocked.Increment(ref reads) & 1) == 0;
                MembershipTableData data = viaReadRow
                    ? await reader.Table.ReadRowAsync(entry.SiloAddress, Ct)
                    : await reader.Table.ReadAllAsync(Ct);
                int votes = Assert.Single(data.Members).Item1.SuspectTimes?.Count ?? 0;
                if (votes != data.Version.Version - 1)
                {
                    mixed.Enqueue($"{(viaReadRow ? "ReadRow" : "ReadAll")}: {votes} votes at table version {data.Version.Version}");
                }
            }
        });

        for (int i = 0; i < Updates; i++)
        {
            MembershipTableData read = await writer.Table.ReadAllAsync(Ct);
            var (row, etag) = Entries.Row(read, entry.SiloAddress);
            MembershipEntry vote = Entries.Copy(row);
            vote.SuspectTimes = [.. row.SuspectTimes ?? [], Tuple.Create(Entries.NewSiloAddress(), Entries.UtcNowSeconds())];
            Assert.True(await writer.Table.UpdateRowAsync(vote, etag, read.Version.Next(), Ct));
        }

        await writing.CancelAsync();
        await readLoop;
        Assert.True(mixed.IsEmpty, $"{mixed.Count} of {reads} reads mixed two moments, e.g. {string.Join("; ", mixed.Take(5))}");
    }

    [Fact]
    public async Task ReadAll_during_a_burst_of_writes_never_returns_a_mixed_snapshot()
    {
        // A large table and a writer that never pauses, so that a reader's consistency check keeps failing. Each
        // write appends one suspect vote to one row and bumps the version by one: in any consistent snapshot the
        // votes add up to (version - rows). ReadAll may take longer or fail; it must never return rows of one moment
        // with the table version of another.
        const int Rows = 100;
        const int Burst = 300;
        TableScope scope = NewScope();
        await using var writer = await OpenAsync(scope);
        await using var reader = await OpenAsync(scope);
        SiloAddress nobody = Entries.NewSiloAddress();
        var silos = new List<SiloAddress>();
        for (int i = 0; i < Rows; i++)
        {
            MembershipEntry e = Entries.New();
            Assert.True(await writer.Table.InsertRowAsync(e, (await writer.Table.ReadRowAsync(nobody, Ct)).Version.Next(), Ct));
            silos.Add(e.SiloAddress);
        }

        using var writing = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var mixed = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        int reads = 0;
        Task readLoop = Task.Run(async () =>
        {
            while (!writing.IsCancellationRequested)
            {
                MembershipTableData data;
                try
                {
                    data = await reader.Table.ReadAllAsync(Ct);
                }
                catch (InvalidOperationException e) when (e.Message.Contains("kept changing", StringComparison.Ordinal))
                {
                    // Failing a read that cannot be made consistent is allowed (Orleans reads again); any other
                    // exception ends the loop and fails the test.
                    failures.Enqueue(e.GetType().Name + ": " + e.Message);
                    continue;
                }

                Interlocked.Increment(ref reads);
                int votes = data.Members.Sum(m => m.Item1.SuspectTimes?.Count ?? 0);
                if (data.Members.Count != Rows || votes != data.Version.Version - Rows)
                {
                    mixed.Enqueue($"{data.Members.Count} rows with {votes} votes at version {data.Version.Version}");
                }
            }
        });

        // Wait until the reader is in its loop, then write as fast as one session can (the only writer, so its
        // own ReadRow is current).
        await OrleansHa.Testing.Poll.UntilAsync(() => readLoop.IsCompleted || Volatile.Read(ref reads) >= 1, TimeSpan.FromSeconds(20), "a first ReadAll", cancellationToken: Ct);
        for (int i = 0; i < Burst; i++)
        {
            MembershipTableData read = await writer.Table.ReadRowAsync(silos[i % Rows], Ct);
            var (row, etag) = Assert.Single(read.Members);
            MembershipEntry vote = Entries.Copy(row);
            vote.SuspectTimes = [.. row.SuspectTimes ?? [], Tuple.Create(Entries.NewSiloAddress(), Entries.UtcNowSeconds())];
            Assert.True(await writer.Table.UpdateRowAsync(vote, etag, read.Version.Next(), Ct));
        }

        // One more full read after the burst, then stop.
        int readsAtEnd = Volatile.Read(ref reads);
        await OrleansHa.Testing.Poll.UntilAsync(() => readLoop.IsCompleted || Volatile.Read(ref reads) > readsAtEnd, TimeSpan.FromSeconds(30), "a ReadAll after the burst", cancellationToken: Ct);
        await writing.CancelAsync();
        await readLoop;
        Assert.True(
            mixed.IsEmpty,
            $"{mixed.Count} of {reads} ReadAll snapshots mixed two moments, e.g. {string.Join("; ", mixed.Take(5))} ({failures.Count} reads failed)");
    }
}
