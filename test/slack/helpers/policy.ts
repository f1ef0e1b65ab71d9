// The policy the front-door tests deploy: a channel rule and a user-group rule.
export const TEST_POLICY = `
rules:
  - name: ops channel deploys shop
    channels: [C0OPS]
    permissions: [deploy, inject-apply, cancel, restart]
    namespaces: [shop]
  - name: platform group does anything
    userGroups: [S0PLATFORM]
    permissions: ["*"]
    namespaces: ["*"]
`;
