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

    [Fact]
    public void Jobs_list_newest_first_up_to_the_limit()
    {
        using MetadataStore store = MetadataStore.Open(_dir.Path, 1, "node-1", null);
        Assert.Empty(store.ListJobs(10));
        DateTimeOffset start = DateTimeOffset.UtcNow;
        JobInfo[] jobs = [.. Enumerable.Range(0, 5).Select(i => new JobInfo(Guid.NewGuid(), $"SELECT {i}", JobState.Submitted, start.AddSeconds(i), null, null, 0, null, "c"))];
        foreach (JobInfo job in jobs)
        {
            store.RecordJob(job);
        }

        store.RecordJob(jobs[1] with { State = JobState.Completed, EndedAt = DateTimeOffset.UtcNow, RowCount = 1 });

        IReadOnlyList<JobInfo> newest = store.ListJobs(3);
        Assert.Equal(["SELECT 4", "SELECT 3", "SELECT 2"], newest.Select(j => j.Sql));
        Assert.Equal(jobs[4].Id, newest[0].Id);
        JobInfo completed = Assert.Single(store.ListJobs(100), j => j.Id == jobs[1].Id);
        Assert.Equal(JobState.Completed, completed.State);
        Assert.Equal(1, completed.RowCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => store.ListJobs(0));
    }
}
