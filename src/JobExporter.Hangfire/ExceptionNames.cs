using Hangfire.Server;

namespace JobExporter.Hangfire;

/// <summary>The <c>exception</c> label: the short type name of what the job threw, not Hangfire's wrapper.</summary>
internal static class ExceptionNames
{
    public static string Of(Exception exception) =>
        (exception is JobPerformanceException { InnerException: { } inner } ? inner : exception).GetType().Name;
}
