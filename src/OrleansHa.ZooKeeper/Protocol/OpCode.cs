namespace OrleansHa.ZooKeeper.Protocol;

/// <summary>Request types (ZooDefs.OpCode, identical in 3.8.0 and 3.8.6).</summary>
internal enum OpCode
{
    Notification = 0,
    Create = 1,
    Delete = 2,
    Exists = 3,
    GetData = 4,
    SetData = 5,
    GetAcl = 6,
    SetAcl = 7,
    GetChildren = 8,
    Sync = 9,
    Ping = 11,
    GetChildren2 = 12,

    /// <summary>Only inside a multi: 3.8.0 never answers a lone check (its reply serialisation throws).</summary>
    Check = 13,
    Multi = 14,
    Create2 = 15,
    Reconfig = 16,
    CheckWatches = 17,
    RemoveWatches = 18,
    CreateContainer = 19,
    CreateTtl = 21,
    MultiRead = 22,
    Auth = 100,
    SetWatches = 101,
    Sasl = 102,
    GetEphemerals = 103,
    GetAllChildrenNumber = 104,
    SetWatches2 = 105,
    AddWatch = 106,
    WhoAmI = 107,
    CreateSession = -10,
    CloseSession = -11,

    /// <summary>Only as a result type inside a multi response.</summary>
    Error = -1,
}

/// <summary>Transaction ids with a fixed meaning.</summary>
internal static class Xids
{
    /// <summary>A watch notification from the server.</summary>
    public const int Notification = -1;

    /// <summary>A ping and its reply.</summary>
    public const int Ping = -2;

    /// <summary>An auth packet and its reply; the reply may overtake earlier replies.</summary>
    public const int Auth = -4;

    /// <summary>Used by the Java client for SetWatches before it overwrites it; we send ordinary xids.</summary>
    public const int SetWatches = -8;
}
