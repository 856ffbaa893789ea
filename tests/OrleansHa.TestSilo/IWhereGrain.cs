namespace OrleansHa.TestSilo;

/// <summary>A grain that says which silo it lives on, to see activations move when a silo dies.</summary>
public interface IWhereGrain : IGrainWithIntegerKey
{
    Task<string> GetSiloAsync();
}

public sealed class WhereGrain(ILocalSiloDetails silo) : Grain, IWhereGrain
{
    public Task<string> GetSiloAsync() => Task.FromResult(silo.SiloAddress.ToParsableString());
}
