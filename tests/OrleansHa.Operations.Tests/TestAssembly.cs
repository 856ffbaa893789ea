// These tests start real node processes, nginx and a browser, and kill nodes on purpose; on two cores, two such
// classes at once starve each other's failure detectors. They run one class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
