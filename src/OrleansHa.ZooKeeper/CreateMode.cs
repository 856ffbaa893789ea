namespace OrleansHa.ZooKeeper;

/// <summary>How a node is created (CreateMode flags).</summary>
public enum CreateMode
{
    Persistent = 0,
    Ephemeral = 1,
    PersistentSequential = 2,
    EphemeralSequential = 3,

    /// <summary>A persistent node the server removes once its last child is gone (sent with its own opcode).</summary>
    Container = 4,
}

internal static class CreateModeExtensions
{
    public static bool IsSequential(this CreateMode mode) => mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential;

    public static bool IsEphemeral(this CreateMode mode) => mode is CreateMode.Ephemeral or CreateMode.EphemeralSequential;
}
