namespace Dragonflow.Server.Errors;

/// <summary>
/// An API failure with Neutron's status code, exception type name and message. It becomes the
/// body <c>{"NeutronError": {"type", "message", "detail"}}</c> that Neutron's clients parse.
/// </summary>
public class NeutronException(int status, string type, string message, string detail = "") : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string Detail { get; } = detail;
}
