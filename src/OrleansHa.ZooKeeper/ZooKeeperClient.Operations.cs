using System.Text;
using OrleansHa.ZooKeeper.Internal;
using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper;

/// <summary>The operations. Paths are the client's (relative to the chroot); every call takes a cancellation token.</summary>
public sealed partial class ZooKeeperClient
{
    /// <summary>Creates a node and returns its path (with the sequence number for sequential modes).</summary>
    /// <exception cref="NodeExistsException">The node exists.</exception>
    /// <exception cref="NoNodeException">The parent does not exist.</exception>
    /// <exception cref="NoChildrenForEphemeralsException">The parent is ephemeral.</exception>
    public async Task<string> CreateAsync(
        string path,
        byte[]? data,
        CreateMode mode = CreateMode.Persistent,
        IReadOnlyList<Acl>? acl = null,
        CancellationToken cancellationToken = default)
    {
        IJuteRecord record = WithDefaultAcl(Op.Create(path, data, mode, acl)).ToRecord(_connectionString.ToServerPath);
        string serverPath = mode == CreateMode.Container
            ? (await SubmitAsync(OpCode.CreateContainer, path, record, Create2Response.Read, null, cancellationToken)).Path
            : (await SubmitAsync(OpCode.Create, path, record, CreateResponse.Read, null, cancellationToken)).Path;
        return _connectionString.ToClientPath(serverPath);
    }

    /// <summary>Deletes a node if its version is <paramref name="version"/> (-1: any).</summary>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    /// <exception cref="BadVersionException">The node has another version.</exception>
    /// <exception cref="NotEmptyException">The node has children.</exception>
    public Task DeleteAsync(string path, int version = -1, CancellationToken cancellationToken = default)
    {
        IJuteRecord record = Op.Delete(path, version).ToRecord(_connectionString.ToServerPath);
        return SubmitAsync(OpCode.Delete, path, record, NoBody, null, cancellationToken);
    }

    /// <summary>
    /// The node's Stat, or null when it does not exist. A <paramref name="watcher"/> fires once on the node's creation,
    /// deletion or data change, even when the node did not exist.
    /// </summary>
    public async Task<Stat?> ExistsAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        var watch = watcher is null ? null : new WatchRegistration(path, watcher, IsExists: true, WatchKind.Data);
        try
        {
            StatResponse response = await SubmitAsync(
                OpCode.Exists, path, new PathWatchRequest(_connectionString.ToServerPath(path), watch is not null), StatResponse.Read, watch, cancellationToken);
            return response.Stat;
        }
        catch (NoNodeException)
        {
            return null;
        }
    }

    /// <summary>The node's data and Stat. A <paramref name="watcher"/> fires once on its data change or deletion.</summary>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    public async Task<NodeData> GetDataAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        var watch = watcher is null ? null : new WatchRegistration(path, watcher, IsExists: false, WatchKind.Data);
        GetDataResponse response = await SubmitAsync(
            OpCode.GetData, path, new PathWatchRequest(_connectionString.ToServerPath(path), watch is not null), GetDataResponse.Read, watch, cancellationToken);
        return new NodeData(response.Data ?? [], response.Stat);
    }

    /// <summary>Sets the node's data if its version is <paramref name="version"/> (-1: any); returns the new Stat.</summary>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    /// <exception cref="BadVersionException">The node has another version: someone else wrote first.</exception>
    public async Task<Stat> SetDataAsync(string path, byte[]? data, int version = -1, CancellationToken cancellationToken = default)
    {
        IJuteRecord record = Op.SetData(path, data, version).ToRecord(_connectionString.ToServerPath);
        return (await SubmitAsync(OpCode.SetData, path, record, StatResponse.Read, null, cancellationToken)).Stat;
    }

    /// <summary>
    /// The node's children (bare names) and Stat. A <paramref name="watcher"/> fires once when a child is added or
    /// removed, or the node is deleted.
    /// </summary>
    /// <exception cref="NoNodeException">The node does not exist.</exception>
    public async Task<NodeChildren> GetChildrenAsync(string path, Action<WatchedEvent>? watcher = null, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        var watch = watcher is null ? null : new WatchRegistration(path, watcher, IsExists: false, WatchKind.Child);
        GetChildren2Response response = await SubmitAsync(
            OpCode.GetChildren2, path, new PathWatchRequest(_connectionString.ToServerPath(path), watch is not null), GetChildren2Response.Read, watch, cancellationToken);
        return new NodeChildren(response.Children, response.Stat);
    }

    /// <summary>
    /// Applies all <paramref name="ops"/> atomically, or none. When one fails, the typed exception of the first
    /// failure is thrown, with <see cref="ZooKeeperException.OperationIndex"/> and <see cref="ZooKeeperException.Results"/>.
    /// </summary>
    public async Task<IReadOnlyList<OpResult>> MultiAsync(IEnumerable<Op> ops, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ops);
        List<Op> list = [.. ops];
        if (list.Count == 0)
        {
            return [];
        }

        var request = new MultiRequest([.. list.Select(op => (op.Code, WithDefaultAcl(op).ToRecord(_connectionString.ToServerPath)))]);
        MultiResponse response = await SubmitAsync(OpCode.Multi, list[0].Path, request, MultiResponse.Read, null, cancellationToken);
        if (response.Results.Count != list.Count)
        {
            throw new ZooKeeperProtocolException($"a multi of {list.Count} ops was answered with {response.Results.Count} results");
        }

        int failed = response.Results.FindIndex(r => r is ErrorResult { Code: not ErrorCode.Ok });
        if (failed >= 0)
        {
            var code = ((ErrorResult)response.Results[failed]).Code;
            Op op = list[failed];
            ZooKeeperException error = ZooKeeperException.Create(code, op.Path, $"op {failed} of the multi ({op.GetType().Name.Replace("Op", string.Empty, StringComparison.Ordinal).ToLowerInvariant()}) failed; nothing was applied");
            error.OperationIndex = failed;
            error.Results = response.Results;
            throw error;
        }

        return [.. response.Results.Select(r => r is CreateResult create ? create with { Path = _connectionString.ToClientPath(create.Path) } : r)];
    }

    /// <summary>Makes the connected server catch up with the leader, so the next reads see every write committed before.</summary>
    public async Task SyncAsync(string path, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        await SubmitAsync(OpCode.Sync, path, new PathRecord(_connectionString.ToServerPath(path)), PathRecord.Read, null, cancellationToken);
    }

    /// <summary>The node's ACL and Stat.</summary>
    public async Task<NodeAcl> GetAclAsync(string path, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        GetAclResponse response = await SubmitAsync(
            OpCode.GetAcl, path, new PathRecord(_connectionString.ToServerPath(path)), GetAclResponse.Read, null, cancellationToken);
        return new NodeAcl(response.Acl, response.Stat);
    }

    /// <summary>Replaces the node's ACL if its ACL version is <paramref name="aclVersion"/> (-1: any).</summary>
    public async Task<Stat> SetAclAsync(string path, IReadOnlyList<Acl> acl, int aclVersion = -1, CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path);
        var record = new SetAclRequest(_connectionString.ToServerPath(path), CheckAcl(acl, path), aclVersion);
        return (await SubmitAsync(OpCode.SetAcl, path, record, StatResponse.Read, null, cancellationToken)).Stat;
    }

    /// <summary>
    /// Adds credentials to the connection. They are kept and presented again after every reconnect. Completes
    /// when the server has answered, or at once while disconnected.
    /// </summary>
    /// <exception cref="AuthFailedException">The server refused them (it then closes the connection; the client reconnects without them).</exception>
    public async Task AddAuthAsync(string scheme, byte[] auth, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentNullException.ThrowIfNull(auth);
        var credentials = new AuthPacket(0, scheme, auth);
        PendingRequest request = NewAuthRequest(credentials);
        bool send;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closeRequested, this);
            _credentials.Add(credentials);
            send = _state == ZooKeeperState.Connected;
            if (send)
            {
                _queue.Writer.TryWrite(request);
            }
        }

        if (send)
        {
            await ((PendingRequest<bool>)request).Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Authenticates as <paramref name="user"/> in the digest scheme (see <see cref="Acl.Digest"/>).</summary>
    public Task AddDigestAuthAsync(string user, string password, CancellationToken cancellationToken = default) =>
        AddAuthAsync("digest", Encoding.UTF8.GetBytes($"{user}:{password}"), cancellationToken);

    /// <summary>A create that names no ACL gets the one <see cref="ZooKeeperClientOptions.DefaultAcl"/> gives its path.</summary>
    private Op WithDefaultAcl(Op op) =>
        op is CreateOp { Acl: null } create && _options.DefaultAcl is { } defaultAcl ? create with { Acl = defaultAcl(create.Path) } : op;

    internal static List<Acl> CheckAcl(IReadOnlyList<Acl>? acl, string path)
    {
        if (acl is null || acl.Count == 0)
        {
            throw new ArgumentException($"The ACL for '{path}' is empty; give at least one entry (for example Acl.OpenUnsafe).", nameof(acl));
        }

        return [.. acl];
    }

    private Task<T> SubmitAsync<T>(OpCode op, string? path, IJuteRecord body, ResponseParser<T> parse, WatchRegistration? watch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var request = new PendingRequest<T>(op, path, RequestEncoder.Encode(op, body, _options.MaxFrameSize, path), parse, watch);
        request.RegisterCancellation(cancellationToken);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closeRequested, this);
            _queue.Writer.TryWrite(request);
        }

        return _options.RequestCompleted is { } observer ? TimedAsync(request.Task, op, observer) : request.Task;
    }

    private static async Task<T> TimedAsync<T>(Task<T> reply, OpCode op, Action<ZooKeeperRequestTiming> observer)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        ErrorCode result = ErrorCode.Ok;
        try
        {
            return await reply.ConfigureAwait(false);
        }
        catch (ZooKeeperException ex)
        {
            result = ex.Code;
            throw;
        }
        catch (Exception)
        {
            result = ErrorCode.SystemError;
            throw;
        }
        finally
        {
            observer(new ZooKeeperRequestTiming(op.ToString(), System.Diagnostics.Stopwatch.GetElapsedTime(started), result));
        }
    }
}
