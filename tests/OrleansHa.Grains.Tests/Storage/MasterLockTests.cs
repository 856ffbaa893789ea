using System.Diagnostics;
using OrleansHa.Grains.Storage;

namespace OrleansHa.Grains.Tests.Storage;

public sealed class MasterLockTests : IDisposable
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    private readonly StorageDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TryAcquire_creates_the_directory_and_the_file()
    {
        var nested = Path.Combine(_dir.Path, "a", "b");

        using var held = MasterLock.TryAcquire(nested, "node-1");

        Assert.NotNull(held);
        Assert.True(File.Exists(Path.Combine(nested, "master.lock")));
        Assert.Equal(Path.Combine(nested, "master.lock"), held.Path);
    }

    [Fact]
    public void A_second_TryAcquire_in_the_same_process_gets_null_while_the_lock_is_held()
    {
        using var first = MasterLock.TryAcquire(_dir.Path, "node-1");
        Assert.NotNull(first);

        Assert.Null(MasterLock.TryAcquire(_dir.Path, "node-2"));
        Assert.Null(MasterLock.TryAcquire(_dir.Path, "node-2"));

        first.Dispose();
        using var second = MasterLock.TryAcquire(_dir.Path, "node-2");
        Assert.NotNull(second);
    }

    [Fact]
    public void The_holder_writes_its_pid_and_node_name_into_the_file()
    {
        Assert.Null(MasterLock.ReadHolderInfo(_dir.Path));
        using var held = MasterLock.TryAcquire(_dir.Path, "node-7");
        Assert.NotNull(held);

        var text = MasterLock.ReadHolderInfo(_dir.Path);

        Assert.Contains($"pid={Environment.ProcessId}\n", text, StringComparison.Ordinal);
        Assert.Contains("node=node-7\n", text, StringComparison.Ordinal);
        Assert.Contains("acquired=", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_returns_at_once_when_the_lock_is_free()
    {
        using var held = await MasterLock.AcquireAsync(_dir.Path, "node-1", CancellationToken.None).WaitAsync(Prompt);

        Assert.True(held.IsStillHeld());
        Assert.Null(MasterLock.TryAcquire(_dir.Path, "node-2"));
    }

    [Fact]
    public async Task A_blocked_AcquireAsync_completes_promptly_after_the_holder_disposes()
    {
        var holder = MasterLock.TryAcquire(_dir.Path, "old")!;
        var waiting = MasterLock.AcquireAsync(_dir.Path, "new", CancellationToken.None);
        await WaitUntilBlockedOnLockFileAsync();
        Assert.False(waiting.IsCompleted);

        var stopwatch = Stopwatch.StartNew();
        holder.Dispose();
        using var acquired = await waiting.WaitAsync(Prompt);
        stopwatch.Stop();

        Assert.True(acquired.IsStillHeld());
        Assert.Equal("new", acquired.NodeName);
        Assert.Contains("node=new\n", MasterLock.ReadHolderInfo(_dir.Path), StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"handoff took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Canceling_a_blocked_AcquireAsync_ends_it_at_once_and_never_leaks_a_held_lock()
    {
        var holder = MasterLock.TryAcquire(_dir.Path, "holder")!;
        using var cts = new CancellationTokenSource();
        var waiting = MasterLock.AcquireAsync(_dir.Path, "canceled", cts.Token);
        await WaitUntilBlockedOnLockFileAsync();

        var stopwatch = Stopwatch.StartNew();
        await cts.CancelAsync();
        var canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Prompt));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"cancellation took {stopwatch.Elapsed}");
        Assert.Equal(cts.Token, canceled.CancellationToken);
        Assert.Equal(1, MasterLock.ParkedWaiterCount(_dir.Path));

        // The holder leaves; the parked waiter wakes up with the lock and must hand it straight back.
        holder.Dispose();
        await WaitUntil(() => MasterLock.ParkedWaiterCount(_dir.Path) == 0, "the parked waiter to give the lock back");
        using var someoneElse = MasterLock.TryAcquire(_dir.Path, "someone-else");
        Assert.NotNull(someoneElse);
        Assert.Contains("node=someone-else\n", MasterLock.ReadHolderInfo(_dir.Path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeated_cancellations_keep_at_most_one_parked_waiter_which_the_next_caller_adopts()
    {
        var holder = MasterLock.TryAcquire(_dir.Path, "holder")!;
        for (var i = 0; i < 5; i++)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(30));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => MasterLock.AcquireAsync(_dir.Path, $"canceled-{i}", cts.Token).WaitAsync(Prompt));
            Assert.Equal(1, MasterLock.ParkedWaiterCount(_dir.Path));
        }

        var waiting = MasterLock.AcquireAsync(_dir.Path, "adopter", CancellationToken.None);
        Assert.Equal(0, MasterLock.ParkedWaiterCount(_dir.Path));
        await WaitUntilBlockedOnLockFileAsync();
        Assert.False(waiting.IsCompleted);

        holder.Dispose();
        using var acquired = await waiting.WaitAsync(Prompt);
        Assert.Equal("adopter", acquired.NodeName);
        Assert.True(acquired.IsStillHeld());
        Assert.Contains("node=adopter\n", MasterLock.ReadHolderInfo(_dir.Path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_with_a_canceled_token_throws_without_taking_the_lock()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => MasterLock.AcquireAsync(_dir.Path, "node", new CancellationToken(canceled: true)));

        using var free = MasterLock.TryAcquire(_dir.Path, "other");
        Assert.NotNull(free);
    }

    [Fact]
    public void IsStillHeld_is_true_while_held_and_false_after_dispose()
    {
        var held = MasterLock.TryAcquire(_dir.Path, "node")!;
        Assert.True(held.IsStillHeld());
        Assert.True(held.IsStillHeld());

        held.Dispose();
        held.Dispose();

        Assert.False(held.IsStillHeld());
    }

    [Fact]
    public void IsStillHeld_is_false_once_the_kernel_no_longer_lists_our_flock()
    {
        using var held = MasterLock.TryAcquire(_dir.Path, "node")!;
        Assert.True(held.ChecksKernelLockList, "/proc/self/fdinfo should list the flock on Linux");
        Assert.True(held.IsStillHeld());

        held.UnlockKeepingDescriptorForTesting();

        Assert.False(held.IsStillHeld());
        using var other = MasterLock.TryAcquire(_dir.Path, "other");
        Assert.NotNull(other);
    }

    [Fact]
    public void IsStillHeld_is_false_once_the_lock_file_is_deleted()
    {
        using var held = MasterLock.TryAcquire(_dir.Path, "node")!;

        File.Delete(_dir.LockFile);

        Assert.False(held.IsStillHeld());

        // Which is why: a newcomer creates a new file and locks it although we never released ours.
        using var newcomer = MasterLock.TryAcquire(_dir.Path, "newcomer");
        Assert.NotNull(newcomer);
        Assert.True(newcomer.IsStillHeld());
        Assert.False(held.IsStillHeld());
    }

    [Fact]
    public void IsStillHeld_is_false_once_another_file_is_renamed_over_the_lock_file()
    {
        using var held = MasterLock.TryAcquire(_dir.Path, "node")!;
        var other = Path.Combine(_dir.Path, "other");
        File.WriteAllText(other, "replacement");

        File.Move(other, _dir.LockFile, overwrite: true);

        Assert.False(held.IsStillHeld());
    }

    [Fact]
    public async Task A_waiter_whose_file_was_replaced_while_it_waited_locks_the_file_the_path_names_now()
    {
        var holder = MasterLock.TryAcquire(_dir.Path, "holder")!;
        var waiting = MasterLock.AcquireAsync(_dir.Path, "waiter", CancellationToken.None);
        await WaitUntilBlockedOnLockFileAsync();
        var other = Path.Combine(_dir.Path, "other");
        File.WriteAllText(other, string.Empty);
        File.Move(other, _dir.LockFile, overwrite: true);

        // The waiter is blocked on the old inode; when the holder lets go it must notice and move to the new file.
        holder.Dispose();
        using var acquired = await waiting.WaitAsync(Prompt);

        Assert.True(acquired.IsStillHeld());
        Assert.Null(MasterLock.TryAcquire(_dir.Path, "third"));
    }

    [Fact]
    public void The_lock_descriptor_is_not_inherited_by_child_processes()
    {
        using var held = MasterLock.TryAcquire(_dir.Path, "node")!;
        using var child = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            var targets = Directory.GetFiles($"/proc/{child.Id}/fd")
                .Select(fd => new FileInfo(fd).LinkTarget)
                .ToList();

            Assert.NotEmpty(targets);
            Assert.DoesNotContain(_dir.LockFile, targets);
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    /// <summary>
    /// Waits until the kernel lists a flock of this process blocked ("->" in /proc/locks) on the inode the lock path
    /// names now: the waiter is then really parked in flock(2) on that file, not merely started.
    /// </summary>
    private Task WaitUntilBlockedOnLockFileAsync()
    {
        ulong inode = LockFileNative.Identity(_dir.LockFile)!.Value.Inode;
        string pid = $" {Environment.ProcessId} ";
        string file = $":{inode} ";
        return WaitUntil(
            () => File.ReadLines("/proc/locks").Any(l => l.Contains("-> FLOCK", StringComparison.Ordinal) && l.Contains(pid, StringComparison.Ordinal) && l.Contains(file, StringComparison.Ordinal)),
            "the waiter to block in flock on the lock file");
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < Prompt, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }
}
