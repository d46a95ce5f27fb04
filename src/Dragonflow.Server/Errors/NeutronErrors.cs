namespace Dragonflow.Server.Errors;

/// <summary>The failures the API reports, worded as Neutron words them (clients and scripts match on these).</summary>
public static class NeutronErrors
{
    public static NeutronException BadRequest(string message) =>
        new(400, "HTTPBadRequest", message);

    public static NeutronException InvalidInput(string message) =>
        new(400, "InvalidInput", $"Invalid input for operation: {message}");

    /// <summary>neutron-lib's InvalidCIDR, e.g. for a security group rule's remote_ip_prefix.</summary>
    public static NeutronException InvalidCidr(string input) =>
        new(400, "InvalidCIDR", $"Invalid CIDR {input} given as IP prefix.");

    public static NeutronException MalformedBody(string reason) =>
        new(400, "HTTPBadRequest", $"Malformed request body: {reason}");

    /// <summary>e.g. NotFound("Network", id) → 404 NetworkNotFound "Network X could not be found."</summary>
    public static NeutronException NotFound(string resource, string id) =>
        new(404, $"{resource.Replace(" ", "")}NotFound", $"{resource} {id} could not be found.");

    public static NeutronException ResourceNotFound(string path) =>
        new(404, "HTTPNotFound", $"The resource could not be found. {path}");

    public static NeutronException Conflict(string type, string message) => new(409, type, message);

    public static NeutronException InUse(string type, string message) => new(409, type, message);

    public static NeutronException Forbidden(string message) => new(403, "HTTPForbidden", message);

    public static NeutronException Unauthorized() =>
        new(401, "HTTPUnauthorized", "The request you have made requires authentication.");

    public static NeutronException MethodNotAllowed(string method) =>
        new(405, "HTTPMethodNotAllowed", $"The method {method} is not allowed for this resource.");

    public static NeutronException ServiceUnavailable(string message) =>
        new(503, "ServiceUnavailable", message);
}
