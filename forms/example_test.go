package forms_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/forms"
)

type Signup struct {
	Name  string `form:"name" validate:"required,max=20"`
	Email string `form:"email" label:"E-mail" validate:"required,email"`
	Age   int    `form:"age"`
}

func ExampleBind() {
	body := strings.NewReader("name=Ada&email=not-an-email&age=ten")
	r := httptest.NewRequest(http.MethodPost, "/signup", body)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	s, errs := forms.Bind[Signup](r, forms.WithLimits(core.Defaults().Forms))
	if errs != nil {
		fmt.Println(s.Name)
		fmt.Println(errs["email"])
		fmt.Println(errs["age"])
		fmt.Println(errs.HTTPStatus())
	}
	// Output:
	// Ada
	// [Enter a valid email address.]
	// [Enter a whole number.]
	// 400
}

func ExampleForm_AsDiv() {
	errs := forms.Errors{"email": {"Enter a valid email address."}}
	form := forms.New(Signup{Name: "Ada", Email: "ada@"}, errs)
	html, err := form.AsDiv()
	if err != nil {
		panic(err)
	}
	fmt.Print(html)
	// Output:
	// <div><label for="id_name">Name:</label><input type="text" name="name" value="Ada" maxlength="20" required id="id_name"></div>
	// <div><label for="id_email">E-mail:</label><ul class="errorlist" id="id_email_error"><li>Enter a valid email address.</li></ul><input type="email" name="email" value="ada@" required aria-invalid="true" id="id_email"></div>
	// <div><label for="id_age">Age:</label><input type="number" name="age" value="0" id="id_age"></div>
}

func ExampleNewRenderer() {
	r, err := forms.NewRenderer(`{{define "field"}}<p>{{template "label" .}} {{template "input" .}}</p>{{end}}`)
	if err != nil {
		panic(err)
	}
	type search struct {
		Q string `form:"q" label:"Search"`
	}
	html, _ := forms.New(search{Q: "<go>"}, nil, forms.WithRenderer(r)).AsDiv()
	fmt.Print(html)
	// Output:
	// <p><label for="id_q">Search:</label> <input type="text" name="q" value="&lt;go&gt;" id="id_q"></p>
}
