namespace OrleansHa.Grains.Storage;

internal sealed partial class MasterLock
{
    /// <summary>Number of abandoned (canceled) waiters still blocked on the lock file in <paramref name="directory"/>. For tests.</summary>
    internal static int ParkedWaiterCount(string directory) => LockWaiter.ParkedCount(LockFilePath(directory));

    /// <summary>One caller of <see cref="AcquireAsync(string, string, CancellationToken)"/> waiting for the lock.</summary>
    private sealed class Claim(string nodeName)
    {
        public string NodeName { get; } = nodeName;

        public TaskCompletionSource<MasterLock> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Abandonment(LockWaiter waiter, Claim claim)
    {
        public void Run(CancellationToken token) => waiter.Abandon(claim, token);
    }

    /// <summary>
    /// A dedicated thread blocked in <c>flock(fd, LOCK_EX)</c> on its own descriptor of the lock file, on behalf of
    /// one <see cref="Claim"/> at a time. State changes (claim, abandon, finish) happen under <see cref="Gate"/>, so
    /// exactly one of "hand the lock to the claimant" and "cancel the claimant" happens.
    /// </summary>
    private sealed class LockWaiter
    {
        // Small: the thread only sits in one system call and then builds the MasterLock.
        private const int StackSize = 256 * 1024;

        private static readonly Lock Gate = new();

        // Waiters whose claimant canceled and that are still blocked; adopted by the next claimant for the same path.
        private static readonly List<LockWaiter> Parked = [];

        private readonly string _path;
        private LockFileHandle _handle;
        private Claim? _claim;
        private bool _finished;

        private LockWaiter(string path, LockFileHandle handle, Claim claim)
        {
            _path = path;
            _handle = handle;
            _claim = claim;
        }

        /// <summary>Gives <paramref name="claim"/> to a parked waiter on <paramref name="path"/>, or starts a new one.</summary>
        public static LockWaiter Attach(string path, Claim claim)
        {
            lock (Gate)
            {
                var index = Parked.FindIndex(w => w._path == path);
                if (index >= 0)
                {
                    var parked = Parked[index];
                    Parked.RemoveAt(index);
                    parked._claim = claim;
                    return parked;
                }
            }

            // Opened here so that a bad path or permissions fail the caller directly.
            var waiter = new LockWaiter(path, LockFileNative.OpenLockFile(path), claim);
            new Thread(waiter.Run, StackSize) { IsBackground = true, Name = "master.lock waiter" }.Start();
            return waiter;
        }

        public static int ParkedCount(string path)
        {
            lock (Gate)
            {
                return Parked.Count(w => w._path == path);
            }
        }

        /// <summary>The claimant gave up: complete it as canceled now, and park this waiter (it cannot be woken).</summary>
        public void Abandon(Claim claim, CancellationToken token)
        {
            lock (Gate)
            {
                if (_finished || !ReferenceEquals(_claim, claim))
                {
                    return;
                }

                _claim = null;
                Parked.Add(this);
            }

            claim.Completion.TrySetCanceled(token);
        }

        private void Run()
        {
            FileIdentity identity;
            try
            {
                identity = WaitForLock();
            }
            catch (Exception e)
            {
                // An exception must not escape a dedicated thread (it would end the process); it belongs to the claimant.
                var failed = Finish();
                _handle.Dispose();
                failed?.Completion.TrySetException(e);
                return;
            }

            var claim = Finish();
            if (claim is null)
            {
                // Nobody wants it any more: give it straight back.
                _ = LockFileNative.Flock(_handle, LockFileNative.LockUn);
                _handle.Dispose();
                return;
            }

            var acquired = new MasterLock(_handle, _path, identity, claim.NodeName);
            if (!claim.Completion.TrySetResult(acquired))
            {
                acquired.Dispose();
            }
        }

        private FileIdentity WaitForLock()
        {
            for (var attempt = 0; attempt < MaxReopenAttempts; attempt++)
            {
                var errno = LockFileNative.Flock(_handle, LockFileNative.LockEx);
                if (errno != 0)
                {
                    throw FlockError(_path, errno);
                }

                if (LockedFileIsAtPath(_handle, _path) is { } identity)
                {
                    return identity;
                }

                // We waited on a file that has since been deleted or replaced: wait on the one the path names now.
                _handle.Dispose();
                _handle = LockFileNative.OpenLockFile(_path);
            }

            throw ReplacedTooOften(_path);
        }

        private Claim? Finish()
        {
            lock (Gate)
            {
                _finished = true;
                Parked.Remove(this);
                var claim = _claim;
                _claim = null;
                return claim;
            }
        }
    }
}
