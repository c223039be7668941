package auth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/djinn-go/djinn/core/command"
)

// Environment variables of createsuperuser --noinput (Django's
// DJANGO_SUPERUSER_*).
const (
	EnvSuperuserPassword = "DJINN_SUPERUSER_PASSWORD"
	EnvSuperuserUsername = "DJINN_SUPERUSER_USERNAME"
	EnvSuperuserEmail    = "DJINN_SUPERUSER_EMAIL"
)

// Commands returns createsuperuser and changepassword.
func (a *App) Commands() []*command.Command {
	return []*command.Command{a.createSuperuserCommand(), a.changePasswordCommand()}
}

func (a *App) createSuperuserCommand() *command.Command {
	return &command.Command{
		Name:  "createsuperuser",
		Short: "Create a user with every permission (staff and superuser)",
		Long: `Create a superuser. Interactively it asks for the username, email address
and password (twice, hidden on a terminal) and runs the password validators,
offering to bypass them. With --noinput it takes --username (or
` + EnvSuperuserUsername + `), --email (or ` + EnvSuperuserEmail + `) and the password from
` + EnvSuperuserPassword + ` (without it the user gets an unusable password);
a password the validators refuse is an error.`,
		Flags: func(fs *pflag.FlagSet) {
			fs.String("username", "", "the superuser's username")
			fs.String("email", "", "the superuser's email address")
			fs.Bool("noinput", false, "ask nothing; fail when a value is missing or invalid")
			fs.Bool("no-input", false, "same as --noinput")
		},
		Run: a.runCreateSuperuser,
	}
}

func (a *App) runCreateSuperuser(ctx context.Context, env *command.Env) error {
	username, _ := env.Flags.GetString("username")
	email, _ := env.Flags.GetString("email")
	noinput, _ := env.Flags.GetBool("noinput")
	if ni, _ := env.Flags.GetBool("no-input"); ni {
		noinput = true
	}
	if noinput {
		return a.createSuperuserNoInput(ctx, env, username, email)
	}
	p := newPrompter(env)
	if username != "" {
		if msg := a.usernameProblem(ctx, username); msg != "" {
			fmt.Fprintln(env.Stderr, "Error: "+msg)
			username = ""
		}
	}
	for username == "" {
		def := a.defaultUsername(ctx)
		prompt := "Username: "
		if def != "" {
			prompt = fmt.Sprintf("Username (leave blank to use '%s'): ", def)
		}
		in, err := p.line(prompt)
		if err != nil {
			return err
		}
		if in == "" {
			in = def
		}
		if msg := a.usernameProblem(ctx, in); msg != "" {
			fmt.Fprintln(env.Stderr, "Error: "+msg)
			continue
		}
		username = in
	}
	if email != "" {
		email = NormalizeEmail(email)
		if err := CheckEmail(email); err != nil {
			fmt.Fprintln(env.Stderr, "Error: "+err.Error())
			email = ""
		} else {
			goto password
		}
	}
	for {
		in, err := p.line("Email address: ")
		if err != nil {
			return err
		}
		in = NormalizeEmail(in)
		if err := CheckEmail(in); err != nil {
			fmt.Fprintln(env.Stderr, "Error: "+err.Error())
			continue
		}
		email = in
		break
	}
password:
	var pw string
	for {
		p1, err := p.password("Password: ")
		if err != nil {
			return err
		}
		p2, err := p.password("Password (again): ")
		if err != nil {
			return err
		}
		if p1 != p2 {
			fmt.Fprintln(env.Stderr, "Error: Your passwords didn't match.")
			continue
		}
		if strings.TrimSpace(p1) == "" {
			fmt.Fprintln(env.Stderr, "Error: Blank passwords aren't allowed.")
			continue
		}
		if err := a.ValidatePassword(p1, &User{Username: username, Email: email}); err != nil {
			fmt.Fprintln(env.Stderr, passwordMessages(err))
			ans, err := p.line("Bypass password validation and create user anyway? [y/N]: ")
			if err != nil {
				return err
			}
			if !strings.EqualFold(strings.TrimSpace(ans), "y") {
				continue
			}
		}
		pw = p1
		break
	}
	if _, err := a.CreateSuperuser(ctx, username, email, pw); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "Superuser created successfully.")
	return nil
}

func (a *App) createSuperuserNoInput(ctx context.Context, env *command.Env, username, email string) error {
	if username == "" {
		username = os.Getenv(EnvSuperuserUsername)
	}
	if username == "" {
		return fmt.Errorf("--username (or %s) is required with --noinput", EnvSuperuserUsername)
	}
	if msg := a.usernameProblem(ctx, username); msg != "" {
		return fmt.Errorf("username %q: %s", username, msg)
	}
	if email == "" {
		email = os.Getenv(EnvSuperuserEmail)
	}
	email = NormalizeEmail(email)
	if err := CheckEmail(email); err != nil {
		return fmt.Errorf("email %q: %s", email, err.Error())
	}
	pw := os.Getenv(EnvSuperuserPassword)
	if pw != "" {
		if err := a.ValidatePassword(pw, &User{Username: username, Email: email}); err != nil {
			return fmt.Errorf("the password in %s was refused: %s", EnvSuperuserPassword, strings.ReplaceAll(passwordMessages(err), "\n", " "))
		}
	}
	if _, err := a.CreateSuperuser(ctx, username, email, pw); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "Superuser created successfully.")
	return nil
}

// usernameProblem returns why name cannot be a new username, or "".
func (a *App) usernameProblem(ctx context.Context, name string) string {
	if err := CheckUsername(name); err != nil {
		return err.Error()
	}
	var n int64
	if err := a.dbFor(ctx).Model(&User{}).Where("username = ?", name).Count(&n).Error; err != nil {
		return fmt.Sprintf("cannot check the username: %v", err)
	}
	if n > 0 {
		return "That username is already taken."
	}
	return ""
}

// defaultUsername is the OS user's name when it is a valid, free
// username (Django's get_default_username), or "".
func (a *App) defaultUsername(ctx context.Context) string {
	name := osUsername()
	if name == "" || a.usernameProblem(ctx, name) != "" {
		return ""
	}
	return name
}

func osUsername() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return strings.ToLower(u.Username)
	}
	return strings.ToLower(os.Getenv("USER"))
}

// maxPasswordTries is how many times changepassword asks.
const maxPasswordTries = 3

func (a *App) changePasswordCommand() *command.Command {
	return &command.Command{
		Name:    "changepassword",
		Args:    "[username]",
		Short:   "Change a user's password",
		Long:    "Change the password of the user named (the current OS user's name by default). It asks twice, hidden on a terminal, and runs the password validators; after 3 failed tries it gives up.",
		MaxArgs: 1,
		Run:     a.runChangePassword,
	}
}

func (a *App) runChangePassword(ctx context.Context, env *command.Env) error {
	username := osUsername()
	if len(env.Args) > 0 {
		username = env.Args[0]
	}
	var u User
	if err := a.dbFor(ctx).Where("username = ?", username).Limit(1).Find(&u).Error; err != nil {
		return fmt.Errorf("load user '%s': %w", username, err)
	}
	if u.ID == 0 {
		return fmt.Errorf("user '%s' does not exist", username)
	}
	fmt.Fprintf(env.Stdout, "Changing password for user '%s'\n", username)
	p := newPrompter(env)
	for try := 0; try < maxPasswordTries; try++ {
		p1, err := p.password("Password: ")
		if err != nil {
			return err
		}
		p2, err := p.password("Password (again): ")
		if err != nil {
			return err
		}
		if p1 != p2 {
			fmt.Fprintln(env.Stdout, "Passwords do not match. Please try again.")
			continue
		}
		if strings.TrimSpace(p1) == "" {
			fmt.Fprintln(env.Stderr, "Blank passwords aren't allowed.")
			continue
		}
		if err := a.ValidatePassword(p1, &u); err != nil {
			fmt.Fprintln(env.Stderr, passwordMessages(err))
			continue
		}
		if err := a.SetPassword(ctx, &u, p1); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Password changed successfully for user '%s'\n", username)
		return nil
	}
	return fmt.Errorf("aborting password change for user '%s' after %d attempts", username, maxPasswordTries)
}

// passwordMessages returns a validation error's messages, one a line.
func passwordMessages(err error) string {
	var pe *PasswordError
	if errors.As(err, &pe) {
		return strings.Join(pe.Messages(), "\n")
	}
	return err.Error()
}

// prompter asks questions on a command's standard streams.
type prompter struct {
	in  *bufio.Reader
	out io.Writer
	tty bool
	fd  int
}

func newPrompter(env *command.Env) *prompter {
	p := &prompter{in: bufio.NewReader(env.Stdin), out: env.Stdout}
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty, p.fd = true, int(f.Fd())
	}
	return p
}

// errNoInput ends an interactive command whose input ran out.
var errNoInput = errors.New("operation cancelled: no more input (use --noinput to run without a terminal)")

// line prints prompt and reads one line, without its line ending.
func (p *prompter) line(prompt string) (string, error) {
	fmt.Fprint(p.out, prompt)
	s, err := p.in.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		if err == io.EOF {
			fmt.Fprintln(p.out)
			return "", errNoInput
		}
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// password reads a password, without echo on a terminal.
func (p *prompter) password(prompt string) (string, error) {
	if !p.tty {
		return p.line(prompt)
	}
	fmt.Fprint(p.out, prompt)
	b, err := term.ReadPassword(p.fd)
	fmt.Fprintln(p.out)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	return string(b), nil
}
