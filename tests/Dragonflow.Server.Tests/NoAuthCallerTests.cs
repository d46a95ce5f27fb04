using Dragonflow.Server.Api;
using Dragonflow.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace Dragonflow.Server.Tests;

/// <summary>Who a noauth request is, from its headers alone.</summary>
public class NoAuthCallerTests
{
    static Identity Of(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        foreach (var (name, value) in headers)
            context.Request.Headers[name] = value;
        return Caller.NoAuth(context, "admin").Identity;
    }

    [Fact]
    public void No_project_and_no_roles_is_the_operator_an_admin_in_the_default_project()
    {
        Assert.Equal(Identity.Of("admin", "admin", ["admin", "member", "reader"]), Of());
        Assert.Equal(Identity.Of("admin", "admin", ["admin", "member", "reader"]), Of(("X-Project-Id", "  ")));
    }

    [Fact]
    public void A_project_without_roles_is_a_member_of_it()
    {
        Assert.Equal(Identity.Of("p1", "p1", ["member", "reader"]), Of(("X-Project-Id", "p1")));
        Assert.Equal(Identity.Of("p2", "u2", ["member", "reader"]), Of(("X-Tenant-Id", "p2"), ("X-User-Id", "u2")));
        Assert.Equal("p1", Of(("X-Project-Id", "p1"), ("X-Tenant-Id", "p2")).ProjectId);
    }

    [Fact]
    public void X_Roles_are_taken_as_keystone_gives_them_with_the_implied_roles()
    {
        Assert.Equal(Identity.Of("p1", "p1", ["admin", "member", "reader"]), Of(("X-Project-Id", "p1"), ("X-Roles", "Admin")));
        Assert.Equal(Identity.Of("p1", "p1", ["reader"]), Of(("X-Project-Id", "p1"), ("X-Roles", "reader")));
        Assert.Equal(Identity.Of("p1", "p1", ["member", "reader", "load-balancer_member"]), Of(("X-Project-Id", "p1"), ("X-Roles", " member, load-balancer_member ,")));
        // Roles without a project: those roles, in the default project (not an admin unless they say so).
        Assert.Equal(Identity.Of("admin", "admin", ["reader"]), Of(("X-Roles", "reader")));
        Assert.False(Of(("X-Project-Id", "p1"), ("X-Roles", "observer")).Has(Identity.ReaderRole));
    }
}
