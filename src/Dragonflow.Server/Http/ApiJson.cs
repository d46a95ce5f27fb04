using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dragonflow.Server.Http;

/// <summary>
/// How the API writes JSON. Like Neutron, characters such as &lt; &gt; &amp; ' stay literal
/// (Neutron's messages say "&lt;=", not "\u003C="): the output is read by API clients, never
/// embedded in an HTML page, so the HTML-safe escaping of System.Text.Json only garbles it.
/// </summary>
static class ApiJson
{
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>For serialising API bodies (names as written: "NeutronError", "network:router_interface").</summary>
    public static readonly JsonSerializerOptions Options = new() { Encoder = Encoder };

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = Encoder };
}
