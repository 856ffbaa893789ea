using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper.Internal;

/// <summary>Reads a successful reply's body.</summary>
internal delegate T ResponseParser<out T>(ref JuteReader reader);

/// <summary>
/// A request from the moment it is queued until its reply arrives or it fails. The frame is encoded once, by the
/// caller; the writer only stamps the xid in its copy.
/// </summary>
internal abstract class PendingRequest
{
    protected PendingRequest(OpCode op, string? clientPath, byte[] frame, WatchRegistration? watch)
    {
        Op = op;
        ClientPath = clientPath;
        Frame = frame;
        Watch = watch;
    }

    public OpCode Op { get; }

    /// <summary>The path as the caller gave it, for error messages.</summary>
    public string? ClientPath { get; }

    /// <summary>The whole frame, length prefix included, with a zero xid at offset 4.</summary>
    public byte[] Frame { get; }

    public WatchRegistration? Watch { get; }

    /// <summary>The xid the writer stamped; 0 until sent.</summary>
    public int Xid { get; set; }

    public abstract bool IsCompleted { get; }

    /// <summary>
    /// Completes from a reply. A server error fails the caller's task with its typed exception; a malformed body
    /// throws <see cref="ZooKeeperProtocolException"/> so the connection is torn down.
    /// </summary>
    public abstract void Complete(ReplyHeader header, ReadOnlySpan<byte> body);

    public abstract void Fail(Exception exception);
}

internal sealed class PendingRequest<T> : PendingRequest
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ResponseParser<T> _parse;
    private CancellationTokenRegistration _cancellation;

    public PendingRequest(OpCode op, string? clientPath, byte[] frame, ResponseParser<T> parse, WatchRegistration? watch = null)
        : base(op, clientPath, frame, watch)
    {
        _parse = parse;
    }

    public Task<T> Task => _completion.Task;

    public override bool IsCompleted => _completion.Task.IsCompleted;

    /// <summary>
    /// Lets the caller stop waiting. A request not yet written is then never sent; one already written still has
    /// its reply read (replies are matched in order), which is then dropped.
    /// </summary>
    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.Register(
                static state => ((TaskCompletionSource<T>)state!).TrySetCanceled(), _completion);
        }
    }

    public override void Complete(ReplyHeader header, ReadOnlySpan<byte> body)
    {
        if (header.Err != ErrorCode.Ok)
        {
            Fail(ZooKeeperException.Create(header.Err, ClientPath));
            return;
        }

        var reader = new JuteReader(body);
        T value;
        try
        {
            value = _parse(ref reader);
        }
        catch (ZooKeeperException ex)
        {
            // A well-formed reply that carries a failure, as a failed multi does.
            Fail(ex);
            return;
        }

        reader.EnsureConsumed($"the reply to {Op}");
        _cancellation.Dispose();
        _completion.TrySetResult(value);
    }

    public override void Fail(Exception exception)
    {
        _cancellation.Dispose();
        _completion.TrySetException(exception);
    }
}
