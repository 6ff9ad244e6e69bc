namespace JobExporter.Web;

/// <summary>One thing /readyz waits for: an event source that is on, asked at each request whether it receives, and why not.</summary>
/// <param name="What">What /readyz says when it does not (<c>not connected to the broker</c>).</param>
internal sealed record ReadinessCheck(string What, Func<bool> IsReady, Func<string?> Why);
