namespace OrleansHa.Client;

/// <summary>
/// A query was interrupted by the loss of a node (its coordinator, its executor, or the client's gateway) and was not
/// resubmitted: it may be submitted again. <see cref="BatchesDelivered"/> says how much of its result the caller had
/// already received (resubmitting by hand then repeats those rows, or others if the query has no ORDER BY).
/// </summary>
public sealed class QueryInterruptedException : Exception
{
    public QueryInterruptedException()
        : base("The query was interrupted by the loss of a node; submit it again.")
    {
    }

    public QueryInterruptedException(string message)
        : base(message)
    {
    }

    public QueryInterruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal QueryInterruptedException(string message, Exception innerException, int attempts, long batchesDelivered)
        : base(message, innerException)
    {
        Attempts = attempts;
        BatchesDelivered = batchesDelivered;
    }

    /// <summary>How many times the query was submitted, the interrupted attempt included.</summary>
    public int Attempts { get; }

    /// <summary>How many batches of the result had reached the caller when it was interrupted.</summary>
    public long BatchesDelivered { get; }
}
