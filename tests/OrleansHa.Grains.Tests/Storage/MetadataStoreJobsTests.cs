using OrleansHa.Abstractions;
using OrleansHa.Grains.Storage;

namespace OrleansHa.Grains.Tests.Storage;

public sealed class MetadataStoreJobsTests : IDisposable
{
    private readonly StorageDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_job_moves_forward_only_and_outlives_the_tenure_that_recorded_it()
    {
        var submitted = new JobInfo(Guid.NewGuid(), "SELECT 1", JobState.Submitted, DateTimeOffset.UtcNow, null, null, 0, null, "coordinator-1");
        string id;
        using (MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null))
        {
            id = store.StoreId;
            store.RecordJob(submitted);
            store.RecordJob(submitted with { State = JobState.Running, StartedAt = DateTimeOffset.UtcNow });
            JobInfo canceled = store.RecordJob(submitted with { State = JobState.Canceled, EndedAt = DateTimeOffset.UtcNow, Error = "canceled" });
            Assert.Equal(JobState.Canceled, canceled.State);

            // A late report from the coordinator cannot undo the end.
            Assert.Equal(JobState.Canceled, store.RecordJob(submitted with { State = JobState.Running }).State);
            Assert.Equal(JobState.Canceled, store.RecordJob(submitted with { State = JobState.Completed, RowCount = 5 }).State);
        }

        using MetadataStore next = MetadataStore.Open(_dir.Path, 2, "node-2", id);
        JobInfo found = next.GetJob(submitted.Id)!;
        Assert.Equal(JobState.Canceled, found.State);
        Assert.Equal("canceled", found.Error);
        Assert.Equal("SELECT 1", found.Sql);
        Assert.NotNull(found.StartedAt);
        Assert.Null(next.GetJob(Guid.NewGuid()));
    }
}
