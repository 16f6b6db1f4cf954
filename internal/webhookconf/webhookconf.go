// Package webhookconf reads OpenIM's config/webhooks.yml (open-im-server
// v3.8.3): a url, and per callback enable, timeout (seconds) and, for the
// before-callbacks, failedContinue. The after-callbacks are sent by package
// events (from the durable event log), the before-callbacks by package
// openim (synchronously, before the change). Keys groupd has no use for
// (message, friend and push callbacks) are read and ignored.
package webhookconf

import (
	"fmt"
	"os"

	yaml "go.yaml.in/yaml/v4"
)

// Config is the part of webhooks.yml groupd uses.
type Config struct {
	URL string `yaml:"url"`

	AfterUserRegister       AfterConfig `yaml:"afterUserRegister"`
	AfterUpdateUserInfo     AfterConfig `yaml:"afterUpdateUserInfo"`
	AfterUpdateUserInfoEx   AfterConfig `yaml:"afterUpdateUserInfoEx"`
	AfterCreateGroup        AfterConfig `yaml:"afterCreateGroup"`
	AfterSetGroupInfo       AfterConfig `yaml:"afterSetGroupInfo"`
	AfterSetGroupInfoEx     AfterConfig `yaml:"afterSetGroupInfoEx"`
	AfterJoinGroup          AfterConfig `yaml:"afterJoinGroup"`
	AfterQuitGroup          AfterConfig `yaml:"afterQuitGroup"`
	AfterKickGroupMember    AfterConfig `yaml:"afterKickGroupMember"`
	AfterDismissGroup       AfterConfig `yaml:"afterDismissGroup"`
	AfterTransferGroupOwner AfterConfig `yaml:"afterTransferGroupOwner"`
	AfterSetGroupMemberInfo AfterConfig `yaml:"afterSetGroupMemberInfo"`

	BeforeUserRegister       BeforeConfig `yaml:"beforeUserRegister"`
	BeforeUpdateUserInfo     BeforeConfig `yaml:"beforeUpdateUserInfo"`
	BeforeUpdateUserInfoEx   BeforeConfig `yaml:"beforeUpdateUserInfoEx"`
	BeforeCreateGroup        BeforeConfig `yaml:"beforeCreateGroup"`
	BeforeMemberJoinGroup    BeforeConfig `yaml:"beforeMemberJoinGroup"`
	BeforeSetGroupMemberInfo BeforeConfig `yaml:"beforeSetGroupMemberInfo"`
	BeforeApplyJoinGroup     BeforeConfig `yaml:"beforeApplyJoinGroup"`
	BeforeInviteUserToGroup  BeforeConfig `yaml:"beforeInviteUserToGroup"`
	BeforeSetGroupInfo       BeforeConfig `yaml:"beforeSetGroupInfo"`
	BeforeSetGroupInfoEx     BeforeConfig `yaml:"beforeSetGroupInfoEx"`
}

// AfterConfig is one after-callback's settings; Timeout is in seconds.
type AfterConfig struct {
	Enable  bool `yaml:"enable"`
	Timeout int  `yaml:"timeout"`
}

// BeforeConfig is one before-callback's settings; Timeout is in seconds.
// FailedContinue lets the change go ahead when the callback cannot be
// reached, times out or answers something unreadable; otherwise the change
// is refused.
type BeforeConfig struct {
	Enable         bool `yaml:"enable"`
	Timeout        int  `yaml:"timeout"`
	FailedContinue bool `yaml:"failedContinue"`
}

// Load reads a webhooks.yml file.
func Load(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
