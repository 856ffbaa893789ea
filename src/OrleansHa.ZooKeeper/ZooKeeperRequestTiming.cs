namespace OrleansHa.ZooKeeper;

/// <summary>One request's round trip, as reported to <see cref="ZooKeeperClientOptions.RequestCompleted"/>.</summary>
/// <param name="Operation">The request type (GetData, SetData, Multi, ...).</param>
/// <param name="Elapsed">From submission to its reply or failure.</param>
/// <param name="Result"><see cref="ErrorCode.Ok"/>, or the error it ended with (SystemError for a non-ZooKeeper failure).</param>
public readonly record struct ZooKeeperRequestTiming(string Operation, TimeSpan Elapsed, ErrorCode Result)
{
    public bool Succeeded => Result == ErrorCode.Ok;
}
