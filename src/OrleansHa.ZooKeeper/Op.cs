using OrleansHa.ZooKeeper.Protocol;

namespace OrleansHa.ZooKeeper;

/// <summary>
/// One operation of a multi transaction (<see cref="ZooKeeperClient.MultiAsync"/>): all of them are applied, or none.
/// </summary>
public abstract record Op(string Path)
{
    internal abstract OpCode Code { get; }

    /// <summary>
    /// Creates a node. Without <paramref name="acl"/> the client's <see cref="ZooKeeperClientOptions.DefaultAcl"/>
    /// decides (world:anyone cdrwa when it has none).
    /// </summary>
    public static CreateOp Create(string path, byte[]? data, CreateMode mode = CreateMode.Persistent, IReadOnlyList<Acl>? acl = null) =>
        new(path, data, mode, acl);

    /// <summary>Deletes the node if its version is <paramref name="version"/> (-1: any).</summary>
    public static DeleteOp Delete(string path, int version = -1) => new(path, version);

    /// <summary>Sets the data if the node's version is <paramref name="version"/> (-1: any).</summary>
    public static SetDataOp SetData(string path, byte[]? data, int version = -1) => new(path, data, version);

    /// <summary>Fails the transaction unless the node exists with version <paramref name="version"/> (-1: any).</summary>
    public static CheckOp Check(string path, int version) => new(path, version);

    /// <summary>Validates the op and encodes it with the server's form of the path.</summary>
    internal abstract IJuteRecord ToRecord(Func<string, string> toServerPath);
}

/// <summary>A create; a null <c>Acl</c> takes the client's <see cref="ZooKeeperClientOptions.DefaultAcl"/>.</summary>
public sealed record CreateOp(string Path, byte[]? Data, CreateMode Mode, IReadOnlyList<Acl>? Acl) : Op(Path)
{
    internal override OpCode Code => Mode == CreateMode.Container ? OpCode.CreateContainer : OpCode.Create;

    internal override IJuteRecord ToRecord(Func<string, string> toServerPath)
    {
        ZooKeeperPath.Validate(Path, Mode.IsSequential());
        // A client has put its DefaultAcl in place of null by now (ZooKeeperClient.WithDefaultAcl); without one it is open.
        return new CreateRequest(toServerPath(Path), Data, ZooKeeperClient.CheckAcl(Acl ?? ZooKeeper.Acl.OpenUnsafe, Path), (int)Mode);
    }
}

public sealed record DeleteOp(string Path, int Version) : Op(Path)
{
    internal override OpCode Code => OpCode.Delete;

    internal override IJuteRecord ToRecord(Func<string, string> toServerPath)
    {
        ZooKeeperPath.Validate(Path);
        return new PathVersionRequest(toServerPath(Path), Version);
    }
}

public sealed record SetDataOp(string Path, byte[]? Data, int Version) : Op(Path)
{
    internal override OpCode Code => OpCode.SetData;

    internal override IJuteRecord ToRecord(Func<string, string> toServerPath)
    {
        ZooKeeperPath.Validate(Path);
        return new SetDataRequest(toServerPath(Path), Data, Version);
    }
}

public sealed record CheckOp(string Path, int Version) : Op(Path)
{
    internal override OpCode Code => OpCode.Check;

    internal override IJuteRecord ToRecord(Func<string, string> toServerPath)
    {
        ZooKeeperPath.Validate(Path);
        return new PathVersionRequest(toServerPath(Path), Version);
    }
}

/// <summary>The result of one operation of a multi.</summary>
public abstract record OpResult;

/// <summary>A node was created at <paramref name="Path"/> (with its sequence number, if any).</summary>
public sealed record CreateResult(string Path, Stat? Stat) : OpResult;

public sealed record DeleteResult : OpResult;

public sealed record SetDataResult(Stat Stat) : OpResult;

public sealed record CheckResult : OpResult;

/// <summary>
/// In a failed multi every result is an error: <see cref="ErrorCode.Ok"/> for ops before the failing one, its code
/// for the failing op, <see cref="ErrorCode.RuntimeInconsistency"/> after it.
/// </summary>
public sealed record ErrorResult(ErrorCode Code) : OpResult;
