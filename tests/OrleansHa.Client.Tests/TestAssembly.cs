// These tests start real node processes and kill them on purpose; on two cores, two such classes at once starve
// each other's failure detectors into false alarms. They run one class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
