//! The lifecycle policy: per-family maximum lifetime, broad scopes, impact,
//! the sprawl threshold and per-rule severity overrides.
//!
//! The built-in policy is the data file `rules/policy.toml`; `--policy FILE`
//! is read the same way and merged over it, key by key. A bad file is an
//! error naming the file, line and key (the TOML parser's message).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::finding::Severity;

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct FamilyPolicy {
    impact: Option<String>,
    max_lifetime_days: Option<u32>,
    broad_scopes: Option<Vec<String>>,
    sprawl_threshold: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    defaults: FamilyPolicy,
    #[serde(default)]
    family: BTreeMap<String, FamilyPolicy>,
    #[serde(default)]
    severity_overrides: BTreeMap<String, String>,
}

/// The effective policy.
#[derive(Debug, Clone)]
pub struct Policy {
    defaults: FamilyPolicy,
    family: BTreeMap<String, FamilyPolicy>,
    overrides: BTreeMap<String, Severity>,
    /// Distinct places at which a fingerprint counts as sprawled.
    pub sprawl_threshold: usize,
}

impl Default for Policy {
    fn default() -> Policy {
        let text =
            crate::rules::embedded_file("policy.toml").expect("rules/policy.toml is embedded");
        let mut p = Policy {
            defaults: FamilyPolicy::default(),
            family: BTreeMap::new(),
            overrides: BTreeMap::new(),
            sprawl_threshold: 3,
        };
        p.merge_text("rules/policy.toml", text)
            .expect("the built-in policy is valid (tested)");
        p
    }
}

impl Policy {
    /// The built-in policy with `path` merged over it.
    pub fn load(path: &Path) -> anyhow::Result<Policy> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let mut p = Policy::default();
        p.merge_text(&path.display().to_string(), &text)?;
        Ok(p)
    }

    fn merge_text(&mut self, name: &str, text: &str) -> anyhow::Result<()> {
        let file: PolicyFile = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{name}: {}", e.to_string().trim_end()))?;
        let severity = |key: &str, v: &str| {
            Severity::parse(v).ok_or_else(|| {
                anyhow::anyhow!("{name}: {key}: {v:?} is not one of low, medium, high, critical")
            })
        };
        if let Some(i) = &file.defaults.impact {
            severity("defaults.impact", i)?;
        }
        merge(&mut self.defaults, file.defaults);
        if let Some(t) = self.defaults.sprawl_threshold {
            if t == 0 {
                anyhow::bail!("{name}: defaults.sprawl_threshold must be at least 1");
            }
            self.sprawl_threshold = t;
        }
        for (fam, fp) in file.family {
            if let Some(i) = &fp.impact {
                severity(&format!("family.{fam}.impact"), i)?;
            }
            if fp.sprawl_threshold == Some(0) {
                anyhow::bail!("{name}: family.{fam}.sprawl_threshold must be at least 1");
            }
            merge(self.family.entry(fam).or_default(), fp);
        }
        for (rule, s) in file.severity_overrides {
            let sev = severity(&format!("severity_overrides.{rule}"), &s)?;
            self.overrides.insert(rule, sev);
        }
        Ok(())
    }

    fn get<T>(&self, family: &str, pick: impl Fn(&FamilyPolicy) -> Option<T>) -> Option<T> {
        self.family
            .get(family)
            .and_then(&pick)
            .or_else(|| pick(&self.defaults))
    }

    /// Maximum lifetime in days before `long_expiry`.
    pub fn max_lifetime_days(&self, family: &str) -> u32 {
        self.get(family, |f| f.max_lifetime_days).unwrap_or(90)
    }

    /// Distinct places at which a token of `family` counts as sprawled: the
    /// family's own `sprawl_threshold`, else the default one.
    pub fn sprawl_threshold_for(&self, family: &str) -> usize {
        self.family
            .get(family)
            .and_then(|f| f.sprawl_threshold)
            .unwrap_or(self.sprawl_threshold)
    }

    /// The base severity of a family's tokens.
    pub fn impact(&self, family: &str, _rule: &str) -> Severity {
        self.get(family, |f| f.impact.as_deref().and_then(Severity::parse))
            .unwrap_or(Severity::High)
    }

    /// Whether `scope` is broad for `family` (its list, and the defaults).
    pub fn is_broad(&self, family: &str, scope: &str) -> bool {
        let listed = |f: &FamilyPolicy| {
            f.broad_scopes
                .as_ref()
                .is_some_and(|l| l.iter().any(|b| b.eq_ignore_ascii_case(scope)))
        };
        self.family.get(family).is_some_and(listed) || listed(&self.defaults)
    }

    /// A fixed severity for `rule`, if the policy sets one.
    pub fn severity_override(&self, rule: &str) -> Option<Severity> {
        self.overrides.get(rule).copied()
    }
}

fn merge(into: &mut FamilyPolicy, from: FamilyPolicy) {
    if from.impact.is_some() {
        into.impact = from.impact;
    }
    if from.max_lifetime_days.is_some() {
        into.max_lifetime_days = from.max_lifetime_days;
    }
    if from.broad_scopes.is_some() {
        into.broad_scopes = from.broad_scopes;
    }
    if from.sprawl_threshold.is_some() {
        into.sprawl_threshold = from.sprawl_threshold;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_policy_loads() {
        let p = Policy::default();
        assert_eq!(p.max_lifetime_days("jwt"), 90);
        assert_eq!(p.sprawl_threshold, 3);
        assert_eq!(p.impact("aws", "aws.access_key_id"), Severity::Critical);
        assert_eq!(p.impact("unknownfam", "x"), Severity::High);
        assert!(p.is_broad("github", "repo"));
        assert!(p.is_broad("github", "admin"));
        assert!(!p.is_broad("github", "read:user"));
    }

    #[test]
    fn overrides_merge_and_errors_name_the_key() {
        let mut p = Policy::default();
        p.merge_text("mine.toml", "[family.jwt]\nmax_lifetime_days = 7\n[severity_overrides]\n\"generic.password\" = \"low\"\n").unwrap();
        assert_eq!(p.max_lifetime_days("jwt"), 7);
        assert!(p.is_broad("jwt", "admin"));
        assert_eq!(p.severity_override("generic.password"), Some(Severity::Low));
        p.merge_text("t.toml", "[family.aws]\nsprawl_threshold = 2\n")
            .unwrap();
        assert_eq!(p.sprawl_threshold_for("aws"), 2);
        assert_eq!(p.sprawl_threshold_for("jwt"), 3);
        let err = p
            .merge_text("z.toml", "[family.aws]\nsprawl_threshold = 0\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("z.toml") && err.contains("family.aws.sprawl_threshold"),
            "{err}"
        );
        let err = p
            .merge_text("bad.toml", "[family.jwt]\nmax_lifetime_days = \"long\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bad.toml") && err.contains("line 2") && err.contains("max_lifetime_days"),
            "{err}"
        );
        let err = p
            .merge_text("bad.toml", "[family.jwt]\nimpact = \"huge\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("family.jwt.impact"), "{err}");
    }
}
