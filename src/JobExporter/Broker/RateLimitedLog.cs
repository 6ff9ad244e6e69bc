using Microsoft.Extensions.Logging;

namespace JobExporter.Broker;

/// <summary>
/// Logs a repeating failure as one line per attempt at first, then at most one line per period with the
/// number of attempts in between, so that a long broker outage does not flood the log.
/// </summary>
internal sealed class RateLimitedLog(ILogger logger, TimeProvider time, TimeSpan period)
{
    private DateTimeOffset _lastLogged = DateTimeOffset.MinValue;
    private int _suppressed;

    public void Failure(string what, Exception error)
    {
        var now = time.GetUtcNow();
        if (now - _lastLogged < period)
        {
            _suppressed++;
            return;
        }
        var message = error.InnerException is { } inner ? $"{error.Message} ({inner.Message})" : error.Message;
        if (_suppressed > 0)
        {
            logger.LogWarning("{What} failed: {Error} ({Count} more failed attempts since the last message)", what, message, _suppressed);
        }
        else
        {
            logger.LogWarning("{What} failed: {Error}", what, message);
        }
        _lastLogged = now;
        _suppressed = 0;
    }

    public void Reset()
    {
        _lastLogged = DateTimeOffset.MinValue;
        _suppressed = 0;
    }
}
