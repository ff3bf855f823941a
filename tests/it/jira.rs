//! `--jira`: REST search JSON (v2 text, v3 ADF, a directory of pages), the
//! Cloud CSV export with repeated Comment columns, and the XML/RSS export,
//! with exact provenance; and the bad ones: a truncated page, a CSV with a
//! broken quote, malformed XML.

use serde_json::{json, Value};

use crate::harness::{tokens, Env, Run};

fn user(email: &str, account: &str) -> Value {
    json!({"accountId": account, "emailAddress": email, "displayName": "X", "active": true})
}

fn issue(
    key: &str,
    summary: &str,
    description: Value,
    reporter: Value,
    comments: Vec<Value>,
) -> Value {
    json!({
        "id": "10042", "key": key,
        "self": format!("https://acme.atlassian.net/rest/api/2/issue/{key}"),
        "fields": {
            "summary": summary, "description": description, "reporter": reporter,
            "created": "2024-03-04T09:30:00.000+0000",
            "status": {"name": "Open"}, "labels": ["payments"],
            "customfield_10050": null,
            "comment": {"comments": comments, "total": 0}
        }
    })
}

fn comment(id: &str, author: Value, body: Value, created: &str) -> Value {
    json!({"id": id, "author": author, "body": body, "created": created,
           "self": format!("https://acme.atlassian.net/rest/api/2/issue/10042/comment/{id}")})
}

/// The one finding of `secret`.
fn one(run: &Run, secret: &str, what: &str) -> Value {
    let found = run.with_secret(secret);
    assert_eq!(found.len(), 1, "{what} once\n{run}");
    found.into_iter().next().unwrap()
}

#[test]
fn jira_rest_json_v2_and_v3_with_exact_provenance() {
    let env = Env::new();
    let in_summary = tokens::github_pat(201);
    let in_desc = tokens::slack_bot(202);
    let in_comment = tokens::gitlab_pat(203);
    let in_adf_link = tokens::github_pat(204);
    let in_custom = tokens::gitlab_pat(205);
    let bob = user("bob@acme.example", "5b10ac8d82e05b22cc7d4ef5");
    let carol = json!({"accountId": "5b10a2844c20165700ede21g", "displayName": "Carol"});
    let mut first = issue(
        "OPS-1",
        &format!("token {in_summary} leaked"),
        json!(format!("h3. Workaround\nuse {{{{{in_desc}}}}}")),
        bob.clone(),
        vec![comment(
            "10310",
            carol.clone(),
            json!(format!("mirror uses {in_comment}")),
            "2024-03-05T16:02:11.000-0800",
        )],
    );
    first["fields"]["customfield_10051"] = json!(format!("notes: {in_custom}"));
    let adf = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "the "},
        {"type": "text", "text": "dashboard", "marks": [{"type": "link", "attrs": {
            "href": format!("https://ci.acme.example/run?token={in_adf_link}")}}]}]}]});
    let second = issue(
        "OPS-2",
        "ADF body",
        json!({"type": "doc", "version": 1, "content": []}),
        bob.clone(),
        vec![comment(
            "10400",
            bob.clone(),
            adf,
            "2024-03-06T08:00:00.000+0000",
        )],
    );
    let doc = json!({"startAt": 0, "maxResults": 50, "total": 2, "issues": [first, second]});
    env.write("search.json", serde_json::to_string_pretty(&doc).unwrap());
    let run = env.scan(&["--jira", "search.json"]);
    assert_eq!(run.code, 1, "{run}");

    let f = one(&run, &in_summary, "summary");
    assert_eq!(f["source"], "jira");
    assert_eq!(f["ticket"], "OPS-1");
    assert_eq!(f["comment_id"], Value::Null);
    assert_eq!(f["author_email"], "bob@acme.example");
    assert_eq!(f["timestamp"], "2024-03-04T09:30:00.000+00:00");
    assert_eq!(f["path"], "search.json");
    let summary_line = f["line"].as_u64().unwrap();
    assert!(summary_line > 1, "{f}");

    let f = one(&run, &in_desc, "description");
    assert_eq!(
        (f["ticket"].clone(), f["comment_id"].clone()),
        (json!("OPS-1"), Value::Null)
    );

    let f = one(&run, &in_custom, "custom field");
    assert_eq!(f["ticket"], "OPS-1");

    let f = one(&run, &in_comment, "comment");
    assert_eq!(f["ticket"], "OPS-1");
    assert_eq!(f["comment_id"], "10310");
    assert_eq!(
        f["author_email"], "5b10a2844c20165700ede21g",
        "account id without email"
    );
    assert_eq!(f["timestamp"], "2024-03-05T16:02:11.000-08:00");

    let f = one(&run, &in_adf_link, "ADF link");
    assert_eq!(f["ticket"], "OPS-2");
    assert_eq!(f["comment_id"], "10400");
    assert_eq!(f["author_email"], "bob@acme.example");
    assert_eq!(run.findings().len(), 5, "{run}");
}

#[test]
fn jira_directory_of_pages_and_a_truncated_page() {
    let env = Env::new();
    let a = tokens::github_pat(210);
    let b = tokens::gitlab_pat(211);
    let c = tokens::slack_bot(212);
    let bob = user("bob@acme.example", "5b10");
    let page =
        |issues: Vec<Value>| serde_json::to_string_pretty(&json!({"issues": issues})).unwrap();
    env.write(
        "pages/page-0.json",
        page(vec![issue("SEC-1", &a, json!(null), bob.clone(), vec![])]),
    );
    let mut cut = page(vec![
        issue("SEC-2", &b, json!(null), bob.clone(), vec![]),
        issue("SEC-3", "second", json!("x"), bob.clone(), vec![]),
    ]);
    cut.truncate(cut.rfind("SEC-3").unwrap());
    env.write("pages/page-1.json", cut);
    env.write(
        "pages/page-2.json",
        page(vec![issue(
            "SEC-4",
            "ok",
            json!(format!("c={c}")),
            bob,
            vec![],
        )]),
    );
    let run = env.scan(&["--jira", "pages"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.contains("page-1.json: malformed Jira JSON"),
        "{run}"
    );
    assert!(run.stderr.contains("(1 issues before it scanned)"), "{run}");
    assert!(run.stderr.contains("1 malformed export"), "{run}");
    let f = one(&run, &a, "a");
    assert_eq!(
        (f["ticket"].as_str(), f["path"].as_str()),
        (Some("SEC-1"), Some("page-0.json"))
    );
    let f = one(&run, &b, "b (before the cut)");
    assert_eq!(f["ticket"], "SEC-2");
    let f = one(&run, &c, "c (page after the bad one)");
    assert_eq!(f["ticket"], "SEC-4");
}

fn csv_export(rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "Summary",
        "Issue key",
        "Issue id",
        "Issue Type",
        "Status",
        "Reporter",
        "Reporter Id",
        "Created",
        "Description",
        "Custom field (Notes)",
        "Comment",
        "Comment",
        "Comment",
    ])
    .unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn row(
    key: &str,
    summary: &str,
    description: &str,
    notes: &str,
    comments: [&str; 3],
) -> Vec<String> {
    let mut r: Vec<String> = [
        summary,
        key,
        "10001",
        "Bug",
        "Open",
        "Bob Marsh",
        "5b10ac8d",
        "04/Mar/24 9:30 AM",
        description,
        notes,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    r.extend(comments.iter().map(|s| s.to_string()));
    r
}

#[test]
fn jira_csv_export_with_repeated_comment_columns() {
    let env = Env::new();
    let desc = tokens::github_pat(220);
    let notes = tokens::slack_bot(221);
    let second = tokens::gitlab_pat(222);
    let text = csv_export(&[
        row(
            "OPS-7",
            "first",
            &format!("multi\nline \"quoted\"\nkey {desc}"),
            "",
            ["", "", ""],
        ),
        row(
            "OPS-8",
            "second",
            "",
            &notes,
            [
                "05/Mar/24 10:22 AM;5b10a284;no secret here",
                &format!("05/Mar/24 2:05 PM;5b109f2e;try {second}; thanks"),
                "",
            ],
        ),
    ]);
    env.write("jira.csv", text);
    let run = env.scan(&["--jira", "jira.csv"]);
    assert_eq!(run.code, 1, "{run}");
    let f = one(&run, &desc, "description");
    assert_eq!(f["ticket"], "OPS-7");
    assert_eq!(f["comment_id"], Value::Null);
    assert_eq!(f["author_email"], "5b10ac8d");
    assert_eq!(f["timestamp"], "2024-03-04T09:30:00Z");
    assert_eq!(
        f["line"], 4,
        "line of the secret inside the quoted cell: {f}"
    );
    let f = one(&run, &notes, "custom field");
    assert_eq!(f["ticket"], "OPS-8");
    let f = one(&run, &second, "second comment");
    assert_eq!(f["ticket"], "OPS-8");
    assert_eq!(f["comment_id"], "#2");
    assert_eq!(f["author_email"], "5b109f2e");
    assert_eq!(f["timestamp"], "2024-03-05T14:05:00Z");
    assert_eq!(run.findings().len(), 3, "{run}");
}

#[test]
fn jira_csv_broken_quote_is_reported_and_later_rows_scanned() {
    let env = Env::new();
    let before = tokens::github_pat(230);
    let in_broken = tokens::gitlab_pat(231);
    let after = tokens::slack_bot(232);
    let mut text = csv_export(&[row("OPS-1", "a", &before, "", ["", "", ""])]);
    text += &format!("\"oops,OPS-2,10002,Bug,Open,Bob,5b10,04/Mar/24 9:30 AM,{in_broken},,,,\n");
    text += csv_export(&[row("OPS-3", "c", &after, "", ["", "", ""])])
        .split_once('\n')
        .unwrap()
        .1;
    env.write("broken.csv", text);
    let run = env.scan(&["--jira", "broken.csv"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.contains("broken.csv: line 3: record has"),
        "{run}"
    );
    assert!(run.stderr.contains("broken quote"), "{run}");
    assert!(run.stderr.contains("1 malformed export"), "{run}");
    assert_eq!(one(&run, &before, "before")["ticket"], "OPS-1");
    let f = one(&run, &in_broken, "in the broken row");
    assert_eq!(f["line"], 3, "{f}");
    assert_eq!(one(&run, &after, "after")["ticket"], "OPS-3");
}

#[test]
fn jira_xml_rss_export() {
    let env = Env::new();
    let desc = tokens::github_pat(240);
    let cmt = tokens::gitlab_pat(241);
    let custom = tokens::slack_bot(242);
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="0.92">
<channel>
    <title>Acme Jira</title>
    <item>
        <title>[OPS-142] Billing webhooks failing</title>
        <key id="10042">OPS-142</key>
        <summary>Billing webhooks failing</summary>
        <description>&lt;p&gt;The runner uses &lt;code&gt;{desc}&lt;/code&gt; for now&lt;/p&gt;</description>
        <reporter accountid="5b10ac8d82e05b22cc7d4ef5">Bob Marsh</reporter>
        <created>Mon, 4 Mar 2024 09:30:00 +0000</created>
        <comments>
            <comment id="10310" author="5b109f2e9729b51b54dc274d" created="Mon, 4 Mar 2024 10:22:31 +0000">&lt;p&gt;mirror: {cmt}&lt;/p&gt;</comment>
        </comments>
        <customfields>
            <customfield id="customfield_10020" key="com.atlassian.jira.plugin.system.customfieldtypes:textarea">
                <customfieldname>Notes</customfieldname>
                <customfieldvalues><customfieldvalue><![CDATA[bot={custom}]]></customfieldvalue></customfieldvalues>
            </customfield>
        </customfields>
    </item>
</channel>
</rss>
"#
    );
    env.write("export.xml", xml);
    let run = env.scan(&["--jira", "export.xml"]);
    assert_eq!(run.code, 1, "{run}");
    let f = one(&run, &desc, "description");
    assert_eq!(f["ticket"], "OPS-142");
    assert_eq!(f["comment_id"], Value::Null);
    assert_eq!(f["author_email"], "5b10ac8d82e05b22cc7d4ef5");
    assert_eq!(f["timestamp"], "2024-03-04T09:30:00Z");
    assert_eq!(f["line"], 9, "{f}");
    let f = one(&run, &cmt, "comment");
    assert_eq!(f["comment_id"], "10310");
    assert_eq!(f["author_email"], "5b109f2e9729b51b54dc274d");
    assert_eq!(f["timestamp"], "2024-03-04T10:22:31Z");
    assert_eq!(f["line"], 13, "{f}");
    let f = one(&run, &custom, "custom field");
    assert_eq!(f["ticket"], "OPS-142");
}

#[test]
fn jira_malformed_xml_keeps_the_issues_before_it() {
    let env = Env::new();
    let ok = tokens::github_pat(250);
    let xml = format!(
        "<rss><channel>\n<item><key>A-1</key><summary>{ok}</summary></item>\n<item><key>A-2</key><summary>x</wrong></item>\n</channel></rss>\n"
    );
    env.write("bad.xml", xml);
    let run = env.scan(&["--jira", "bad.xml"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.contains("bad.xml: malformed Jira XML: line 3"),
        "{run}"
    );
    assert_eq!(one(&run, &ok, "ok")["ticket"], "A-1");
}
