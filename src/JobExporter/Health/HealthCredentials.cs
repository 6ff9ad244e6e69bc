namespace JobExporter.Health;

/// <summary>
/// The basic auth credentials the health check sends, from <c>JOBEXPORTER_HEALTHCHECK_USER</c> and
/// <c>JOBEXPORTER_HEALTHCHECK_PASSWORD</c> (or <c>JOBEXPORTER_HEALTHCHECK_PASSWORD_FILE</c>). The web configuration
/// file holds only bcrypt hashes, so the check cannot take a password from it.
/// </summary>
internal sealed record HealthCredentials(string User, string Password)
{
    public const string UserVariable = "JOBEXPORTER_HEALTHCHECK_USER";
    public const string PasswordVariable = "JOBEXPORTER_HEALTHCHECK_PASSWORD";
    public const string PasswordFileVariable = "JOBEXPORTER_HEALTHCHECK_PASSWORD_FILE";

    /// <summary>The credentials when a user and a password are set; null otherwise.</summary>
    public static HealthCredentials? From(IReadOnlyDictionary<string, string?> environment)
    {
        if (environment.GetValueOrDefault(UserVariable) is not { Length: > 0 } user) return null;
        var password = environment.GetValueOrDefault(PasswordVariable);
        if (string.IsNullOrEmpty(password) && environment.GetValueOrDefault(PasswordFileVariable) is { Length: > 0 } file)
        {
            password = File.ReadAllText(file).TrimEnd('\r', '\n');
        }
        return password is null ? null : new HealthCredentials(user, password);
    }
}
