using OrleansHa.Abstractions;
using OrleansHa.Coordination;

namespace OrleansHa.Node.Http;

/// <summary>
/// Calls the master of the current epoch for REST (see <see cref="MasterCalls"/>, shared with the grain client): a
/// failover of a fraction of a second stays invisible to REST users; a longer one ends in
/// <see cref="NoActiveMasterException"/> (503), never a hang.
/// </summary>
internal sealed class MasterClient(IGrainFactory grains, ActiveMasterFollower masters, OrleansHa.Node.Configuration.NodeConfiguration config)
    : MasterCalls(grains, masters, config.Master.CallsRetryFor);
