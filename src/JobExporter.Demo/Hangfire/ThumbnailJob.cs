using Hangfire;

namespace JobExporter.Demo.Hangfire;

/// <summary>A job on its own queue that rarely fails.</summary>
public sealed class ThumbnailJob(FailureSchedule failures)
{
    [Queue("media")]
    [AutomaticRetry(Attempts = 1, DelaysInSeconds = [1])]
    public async Task Render(int imageId)
    {
        await Task.Delay(FailureSchedule.Runtime(0.2, 1.2));
        if (failures.Fails(0.02)) throw new InvalidDataException($"Image {imageId} is corrupt.");
    }
}
