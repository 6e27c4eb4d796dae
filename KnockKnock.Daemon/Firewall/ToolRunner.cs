namespace KnockKnock.Daemon.Firewall;

/// <summary>Runs one argv (absolute tool path first): its stdout, or false and one line of error when it fails.</summary>
internal delegate bool ToolRunner(string[] argv, out string output, out string error);
