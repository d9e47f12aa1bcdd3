//! The tool's `README.md`: installing it, giving it credentials, and each command.

use crate::emit::docs;
use crate::model::Api;

pub fn emit(api: &Api) -> String {
    let package = &api.package;
    let bin = &package.name;
    let prefix = package.env_prefix();
    let commands: String = api
        .operations
        .iter()
        .map(|op| {
            let paged = if op.pagination.is_some() {
                " (`--all` walks every page)"
            } else {
                ""
            };
            format!(
                "| `{bin} {}` | `POST {}` | {}{paged} |\n",
                op.command,
                op.http_path,
                docs::summary_line(op)
            )
        })
        .collect();
    let paged = api.operations.iter().find(|op| op.pagination.is_some()).map(|op| {
        format!(
            "\n`--all` walks every page of a paged operation and prints one item per line (NDJSON) \
             as each page arrives, for `jq` or a file:\n\n\
             ```sh\n{bin} {} --all --compact | jq -c .\n```\n",
            op.command
        )
    });
    let webhooks = api.webhooks.as_ref().map(|_| {
        format!(
            "\n## Webhooks\n\n\
             `{bin} webhooks listen` receives webhooks on a local port, checks each one's key and \
             signature with the client's verifier, and prints it; one that fails the check is \
             answered 401 and the reason printed. `--forward-to` passes each verified webhook on, \
             byte for byte with its headers, to the application you are writing:\n\n\
             ```sh\n\
             export {prefix}_WEBHOOK_KEY=... {prefix}_WEBHOOK_SECRET=...\n\
             {bin} webhooks listen --listen 127.0.0.1:8787 --forward-to http://127.0.0.1:3000/webhooks\n\
             ```\n\n\
             `{bin} webhooks verify --body-file body.json --signature <hex>` checks one saved \
             webhook.\n"
        )
    });
    format!(
        "# {cli}\n\n\
         `{bin}`: the {title} from a shell. A signed API cannot be called with curl: every request \
         needs a fresh timestamp and an HMAC-SHA512 of its exact bytes. This tool does that for \
         every operation, with the generated Rust client [`{bin}`](https://crates.io/crates/{bin}).\n\n\
         ```sh\ncargo install {cli}\n{bin} --help\n```\n\n\
         ## Credentials\n\n\
         From flags, environment variables or a profile of the config file \
         (`~/.config/{bin}/config.toml`, or `--config`), in that order:\n\n\
         ```toml\n\
         [profiles.default]\n\
         account = \"your-account\"\n\
         api_key = \"your-api-key\"\n\
         api_secret = \"your-api-secret\"\n\n\
         [profiles.sandbox]\n\
         base_url = \"http://127.0.0.1:8080\"\n\
         account = \"sandbox-account\"\n\
         api_key = \"sandbox-key\"\n\
         api_secret = \"sandbox-secret\"\n\
         ```\n\n\
         `--profile sandbox` (or `{prefix}_PROFILE=sandbox`) picks a profile; `--account`, \
         `--api-key`, `--api-secret` and `--base-url`, or `{prefix}_ACCOUNT`, `{prefix}_API_KEY`, \
         `{prefix}_API_SECRET` and `{prefix}_BASE_URL`, override it. The secret is never \
         printed, not even with `-vv`.\n\n\
         ## Commands\n\n\
         Each takes a flag per top-level field of its payload, typed as the client types it (a \
         bad uuid or decimal is refused before anything is sent, naming the flag), and \
         `--body JSON` or `--body-file PATH` (`-` for stdin) for the whole payload or its \
         nested parts; flags go on top of the body.\n\n\
         | Command | Endpoint | Summary |\n|---|---|---|\n{commands}\n\
         The response is printed as received, indented (`--compact` for one line); numbers keep \
         every digit the server sent. `-v` shows the request line, the headers with the key and \
         signature redacted, each attempt and its timing; `-vv` the bodies too.\n{paged}{webhooks}\n\
         ## Exit codes\n\n\
         | Code | Meaning |\n|---|---|\n\
         | 0 | success |\n\
         | 1 | the API answered with an error (its code, message and trace id on stderr) |\n\
         | 2 | bad usage: a flag, the payload, the credentials or the config file |\n\
         | 3 | no answer: the request could not be sent or the response did not arrive whole |\n\
         | 4 | the API answered with success, but with a body that is not JSON or too large |\n\
         | 5 | a webhook was refused |\n\
         | 6 | the tool's own work failed (a port could not be bound, output could not be written) |\n\n\
         ## Shell completions\n\n\
         ```sh\n\
         {bin} completions bash > ~/.local/share/bash-completion/completions/{bin}\n\
         {bin} completions zsh > ~/.zfunc/_{bin}\n\
         {bin} completions fish > ~/.config/fish/completions/{bin}.fish\n\
         ```\n",
        cli = package.cli_name(),
        title = api.title,
        paged = paged.unwrap_or_default(),
        webhooks = webhooks.unwrap_or_default(),
    )
}
