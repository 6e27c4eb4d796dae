using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace KnockKnock.Client.Connect;

/// <summary>The options of <c>connect</c> and <c>socks</c> that set their <see cref="RetryPolicy"/>: <c>--knocks N</c> and <c>--wait MS</c>.</summary>
internal sealed class RetryOptions
{
    public Option<int> Knocks { get; } = new("--knocks")
    {
        Description = $"Knock at most N times (1-{RetryPolicy.MaximumKnocks}) for one connection, each time with the next counter, before giving up.",
        HelpName = "N",
        DefaultValueFactory = _ => RetryPolicy.DefaultKnocks,
        CustomParser = result => ParseInt(result, "--knocks", 1, RetryPolicy.MaximumKnocks),
    };

    public Option<int> Wait { get; } = new("--wait")
    {
        Description = $"After the first knock, try to connect for MS milliseconds ({RetryPolicy.MinimumWaitMilliseconds}-{RetryPolicy.MaximumWaitMilliseconds}) before knocking again; twice as long after each further knock.",
        HelpName = "MS",
        DefaultValueFactory = _ => RetryPolicy.DefaultWaitMilliseconds,
        CustomParser = result => ParseInt(result, "--wait", RetryPolicy.MinimumWaitMilliseconds, RetryPolicy.MaximumWaitMilliseconds),
    };

    public RetryPolicy Policy(ParseResult parse) => new(parse.GetValue(Knocks), TimeSpan.FromMilliseconds(parse.GetValue(Wait)));

    private static int ParseInt(ArgumentResult result, string name, int minimum, int maximum)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum)
        {
            return value;
        }
        result.AddError($"{name}: '{text}' is not a number from {minimum} to {maximum}");
        return 0;
    }
}
