package auth_test

import (
	"fmt"

	"github.com/djinn-go/djinn/auth"
	"github.com/djinn-go/djinn/core"
)

func ExamplePasswords_Check() {
	// Fewer PBKDF2 iterations than Django's 1,000,000 keep the example fast.
	passwords, err := auth.NewPasswords(core.AuthSettings{PBKDF2Iterations: 1000})
	if err != nil {
		panic(err)
	}
	// A hash made by Django with 260,000 iterations.
	stored := "pbkdf2_sha256$260000$6v4PQyPVMyKDxXSA0Zn3Qx$pDlFOffyt7EkT6DRDLMDJPjEQWpiPEWv3xMECQVxHjw="
	ok, upgrade, err := passwords.Check("pässwörd🔑", stored)
	fmt.Println(ok, err)
	if upgrade != "" {
		stored = upgrade // save it on the user: upgraded at login
	}
	fmt.Println(stored[:19])
	ok, _, _ = passwords.Check("wrong", stored)
	fmt.Println(ok)
	// Output:
	// true <nil>
	// pbkdf2_sha256$1000$
	// false
}

func ExamplePasswords_Make() {
	passwords, err := auth.NewPasswordsWith(auth.NewPBKDF2SHA256(1000))
	if err != nil {
		panic(err)
	}
	stored, err := passwords.Make("s3cret passphrase")
	fmt.Println(len(stored) > 0, err)
	fmt.Println(auth.IsUsable(stored), auth.IsUsable(auth.MakeUnusable()))
	// Output:
	// true <nil>
	// true false
}

func ExampleValidators_Validate() {
	validators := auth.DefaultValidators(core.AuthSettings{MinPasswordLength: 8})
	err := validators.Validate("1234567", auth.UserAttrs{Username: "alice"})
	if pe, ok := err.(*auth.PasswordError); ok {
		for _, m := range pe.Messages() {
			fmt.Println(m)
		}
	}
	// Output:
	// This password is too short. It must contain at least 8 characters.
	// This password is too common.
	// This password is entirely numeric.
}
