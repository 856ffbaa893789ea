namespace OrleansHa.ZooKeeper;

/// <summary>A node's data and metadata. <see cref="Data"/> is empty for a node created without data.</summary>
public sealed record NodeData(byte[] Data, Stat Stat);

/// <summary>A node's children (bare names, in no particular order) and its metadata.</summary>
public sealed record NodeChildren(IReadOnlyList<string> Children, Stat Stat);

/// <summary>A node's ACL and metadata; <see cref="Stat.Aversion"/> is what setACL checks.</summary>
public sealed record NodeAcl(IReadOnlyList<Acl> Acl, Stat Stat);
