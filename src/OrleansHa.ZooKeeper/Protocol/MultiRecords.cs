namespace OrleansHa.ZooKeeper.Protocol;

/// <summary>
/// A multi transaction: each op as a MultiHeader(opcode, false, -1) and its record, then MultiHeader(-1, true, -1).
/// There is no count.
/// </summary>
internal sealed record MultiRequest(List<(OpCode Code, IJuteRecord Record)> Ops) : IJuteRecord, IJuteReadable<MultiRequest>
{
    public void Write(JuteWriter writer)
    {
        foreach ((OpCode code, IJuteRecord record) in Ops)
        {
            writer.WriteRecord(new MultiHeader(code, false, (ErrorCode)(-1)));
            record.Write(writer);
        }

        writer.WriteRecord(MultiHeader.End);
    }

    public static MultiRequest Read(ref JuteReader reader)
    {
        var ops = new List<(OpCode, IJuteRecord)>();
        while (true)
        {
            MultiHeader header = MultiHeader.Read(ref reader);
            if (header.Done)
            {
                return new MultiRequest(ops);
            }

            IJuteRecord record = header.Type switch
            {
                OpCode.Create or OpCode.Create2 or OpCode.CreateContainer => CreateRequest.Read(ref reader),
                OpCode.Delete or OpCode.Check => PathVersionRequest.Read(ref reader),
                OpCode.SetData => SetDataRequest.Read(ref reader),
                _ => throw new ZooKeeperProtocolException($"a multi request holds op type {(int)header.Type}, which a multi cannot carry"),
            };
            ops.Add((header.Type, record));
        }
    }
}

/// <summary>
/// The results of a multi, one MultiHeader and body each, ended by (-1, true, -1). Paths are the server's.
/// On 3.8 a create comes back as type 1 (path only); container creates as type 15 (path and Stat).
/// </summary>
internal sealed record MultiResponse(List<OpResult> Results) : IJuteRecord, IJuteReadable<MultiResponse>
{
    public void Write(JuteWriter writer)
    {
        foreach (OpResult result in Results)
        {
            switch (result)
            {
                case CreateResult { Stat: null } create:
                    writer.WriteRecord(new MultiHeader(OpCode.Create, false, ErrorCode.Ok));
                    writer.WriteString(create.Path);
                    break;
                case CreateResult create:
                    writer.WriteRecord(new MultiHeader(OpCode.Create2, false, ErrorCode.Ok));
                    writer.WriteRecord(new Create2Response(create.Path, create.Stat!));
                    break;
                case DeleteResult:
                    writer.WriteRecord(new MultiHeader(OpCode.Delete, false, ErrorCode.Ok));
                    break;
                case SetDataResult setData:
                    writer.WriteRecord(new MultiHeader(OpCode.SetData, false, ErrorCode.Ok));
                    writer.WriteRecord(setData.Stat);
                    break;
                case CheckResult:
                    writer.WriteRecord(new MultiHeader(OpCode.Check, false, ErrorCode.Ok));
                    break;
                case ErrorResult error:
                    writer.WriteRecord(new MultiHeader(OpCode.Error, false, error.Code));
                    writer.WriteRecord(new ErrorResponse(error.Code));
                    break;
                default:
                    throw new InvalidOperationException($"unknown result type {result.GetType().Name}");
            }
        }

        writer.WriteRecord(MultiHeader.End);
    }

    public static MultiResponse Read(ref JuteReader reader)
    {
        var results = new List<OpResult>();
        while (true)
        {
            MultiHeader header = MultiHeader.Read(ref reader);
            if (header.Done)
            {
                return new MultiResponse(results);
            }

            OpResult result = header.Type switch
            {
                OpCode.Create => new CreateResult(CreateResponse.Read(ref reader).Path, null),
                OpCode.Create2 or OpCode.CreateContainer => ReadCreate2(ref reader),
                OpCode.Delete => new DeleteResult(),
                OpCode.SetData => new SetDataResult(reader.ReadRecord<Stat>()),
                OpCode.Check => new CheckResult(),
                OpCode.Error => new ErrorResult(ErrorResponse.Read(ref reader).Err),
                _ => throw new ZooKeeperProtocolException($"a multi response holds result type {(int)header.Type}, which the protocol does not define"),
            };
            results.Add(result);
        }
    }

    private static CreateResult ReadCreate2(ref JuteReader reader)
    {
        Create2Response response = Create2Response.Read(ref reader);
        return new CreateResult(response.Path, response.Stat);
    }
}
